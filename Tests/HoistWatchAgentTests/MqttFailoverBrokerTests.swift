import Foundation
import HoistWatchAgentTestSupport
import HoistWatchTestSupport
import Testing

@testable import HoistWatchAgent

/// Two real Mosquitto brokers with a subscriber on each: the link fails over to the backup and goes back to the
/// primary, and every `seq` arrives across the switches.
@Suite struct MqttFailoverBrokerTests {
    static func seqs(_ subscribers: [TestSubscriber]) -> [Int64] {
        subscribers.flatMap { $0.messages(on: "/event") }.compactMap { message -> Int64? in
            guard let range = message.payload.range(of: "\"seq\":") else { return nil }
            return Int64(message.payload[range.upperBound...].prefix { $0.isNumber })
        }
    }

    @Test func failsOverToTheBackupAndReturnsToThePrimaryWithEverySeq() async throws {
        let primary = try MosquittoBroker()
        let backup = try MosquittoBroker()
        try await primary.start()
        try await backup.start()
        let onPrimary = try await TestSubscriber(port: primary.port, pattern: "hw/#")
        let onBackup = try await TestSubscriber(port: backup.port, pattern: "hw/#")
        defer { onBackup.close() }
        let dir = try TestDirectory()
        let outbox = try Outbox(path: dir.file("outbox.db"))
        let (logger, lines) = capturingLogger()
        let clock = ManualClock()
        let returnNs: Int64 = 60_000_000_000
        let (service, task) = MqttDeliveryBrokerTests.startService(
            port: primary.port, outbox: outbox, logger: logger, clock: clock, backups: [backup.port]
        ) { $0.primaryReturnNs = returnNs }
        func on(_ port: Int) async -> Bool {
            let diagnostics = await service.diagnostics()
            guard case .connected = diagnostics.phase else { return false }
            return diagnostics.endpoint == "127.0.0.1:\(port)"
        }
        func append(_ count: Int) throws {
            for _ in 0..<count { try outbox.appendEvent { EntryFactory.storedEvent(.alarm, seq: $0) } }
        }
        #expect(await eventually { await on(primary.port) })
        try append(2)
        #expect(await MqttLinkServiceTests.eventuallyRetrying(service, clock) { (try? outbox.depth().count) == 0 })

        // The primary goes away: after two failed attempts the backup takes the board, and what was stored meanwhile.
        onPrimary.close()
        primary.stop()
        try append(3)
        #expect(await MqttLinkServiceTests.eventuallyRetrying(service, clock, within: 20) { await on(backup.port) })
        try append(2)
        #expect(await MqttLinkServiceTests.eventuallyRetrying(service, clock) { (try? outbox.depth().count) == 0 })
        #expect(await eventually { onBackup.messages(on: "/event").count >= 5 })

        // The primary is back; once the board has been on the backup for `primaryReturnNs` it goes back to it.
        try await primary.start()
        let backOnPrimary = try await TestSubscriber(port: primary.port, pattern: "hw/#")
        defer { backOnPrimary.close() }
        #expect(await on(backup.port), "it stays on the backup until the return is due")
        clock.advance(by: .nanoseconds(returnNs))
        #expect(await MqttLinkServiceTests.eventuallyRetrying(service, clock) { await on(primary.port) })
        try append(2)
        #expect(await MqttLinkServiceTests.eventuallyRetrying(service, clock) { (try? outbox.depth().count) == 0 })
        #expect(await eventually { backOnPrimary.messages(on: "/event").count >= 2 })

        // Every seq reached a platform broker; the backup's subscribers saw the board leave.
        #expect(Set(Self.seqs([onPrimary, onBackup, backOnPrimary])) == Set(1...9))
        #expect(onBackup.messages(on: "/status").last?.payload.contains("\"online\":false") == true)
        #expect(backOnPrimary.messages(on: "/birth").first?.payload.contains("\"online\":true") == true)
        let diagnostics = await service.diagnostics()
        #expect(diagnostics.session == 3, "three connections: primary, backup, primary")
        #expect(lines.withLock { $0.contains { $0.contains("going back to the primary") } })
        await MqttLinkServiceTests.stop(service, task)
    }

    /// Catch-up after a broker restart with an alarm waiting, on the real clock and the production retry policy:
    /// the alarm's PUBACK comes within the alarm cap (5 s, jittered) of the broker listening again, however long the
    /// outage (`HOISTWATCH_CATCHUP_OUTAGE_S`, default 12 s; `HOISTWATCH_CATCHUP_CLASS=info` measures without an
    /// alarm, bounded by the usual 60 s cap). The figure is printed for the README.
    @Test func catchUpAfterABrokerRestartWithAnAlarmWaitingTakesSeconds() async throws {
        let environment = ProcessInfo.processInfo.environment
        let outageS = Double(environment["HOISTWATCH_CATCHUP_OUTAGE_S"] ?? "") ?? 12
        let priority: OutboxPriority = environment["HOISTWATCH_CATCHUP_CLASS"] == "info" ? .info : .alarm
        let broker = try MosquittoBroker()
        try await broker.start()
        let dir = try TestDirectory()
        let outbox = try Outbox(path: dir.file("outbox.db"))
        let (logger, lines) = capturingLogger()
        let (service, task) = MqttDeliveryBrokerTests.startService(
            port: broker.port, outbox: outbox, logger: logger, clock: ContinuousClock(), link: MqttLink.Configuration())
        #expect(await eventually { await MqttLinkServiceTests.phaseIsConnected(service) })
        broker.stop()
        #expect(await eventually { !(await MqttLinkServiceTests.phaseIsConnected(service)) })
        try outbox.appendEvent { EntryFactory.storedEvent(priority, seq: $0) }
        try await Task.sleep(for: .milliseconds(Int(outageS * 1000)))
        try await broker.start()
        let back = ContinuousClock.now
        #expect(await eventually(within: 70) { (try? outbox.depth().count) == 0 })
        let catchUp = back.duration(to: .now)
        let diagnostics = await service.diagnostics()
        print(
            "catch-up after a \(outageS) s outage with \(priority) waiting: \(catchUp) "
                + "(\(diagnostics.connectAttempts) connect attempts)")
        let bound: Duration = priority == .alarm ? .milliseconds(6_000) : .seconds(61)
        #expect(catchUp < bound, "\(catchUp)")
        #expect(lines.withLock { $0.contains { $0.contains("MQTT link will retry") } })
        await MqttLinkServiceTests.stop(service, task)
    }
}
