import Foundation
import HoistWatchAgentTestSupport
import HoistWatchCore
import HoistWatchTestSupport
import Logging
import Testing

@testable import HoistWatchAgent

/// The link service against a real Mosquitto broker on loopback, with the outbox on disk.
@Suite struct MqttLinkServiceTests {
    static let ms: Int64 = 1_000_000
    static let statusTopic = "\(EntryFactory.prefix)/status"

    /// Starts a service on the real monotonic clock and returns it with the task running it.
    static func startService(
        port: Int, outbox: Outbox, logger: Logger, link: MqttLink.Configuration = fastLink,
        username: String? = nil, password: String? = nil, tls: MosquittoOptions.TLS? = nil
    ) -> (MqttLinkService<ContinuousClock>, Task<Void, any Error>) {
        startService(
            port: port, outbox: outbox, logger: logger, link: link, username: username, password: password,
            tls: tls, clock: ContinuousClock())
    }

    /// Starts a service on `clock` and returns it with the task running it.
    static func startService<C: Clock>(
        port: Int, outbox: Outbox, logger: Logger, link: MqttLink.Configuration = fastLink,
        username: String? = nil, password: String? = nil, tls: MosquittoOptions.TLS? = nil, clock: C
    ) -> (MqttLinkService<C>, Task<Void, any Error>) where C.Duration == Duration {
        let broker = MosquittoOptions(
            host: "127.0.0.1", port: port, clientID: "dev1", keepAliveS: 5,
            username: username, password: password, tls: tls)
        let service = MqttLinkService(
            configuration: MqttLinkConfiguration(broker: broker, statusTopic: statusTopic, link: link),
            outbox: outbox, logger: logger, clock: clock,
            birth: { Array("{\"online\":true,\"session\":\($0)}".utf8) },
            will: { Array("{\"online\":false,\"session\":\($0)}".utf8) },
            random: SplitMix64(seed: 9))
        let task = Task { try await service.run() }
        return (service, task)
    }

    static let fastLink = MqttLink.Configuration(
        initialBackoffNs: 100 * ms, maxBackoffNs: 400 * ms, jitterFraction: 0.2, authRetryNs: 1_500 * ms,
        inFlightWindow: 32, connectTimeoutNs: 3_000 * ms, stableConnectionNs: 10_000 * ms)

    /// Waits (real time, at most `within` s) until `condition` holds, moving `clock` to the link's retry deadline
    /// whenever the link waits for one, and by the removal delay while it is connected (acknowledged entries leave
    /// the outbox that long after their PUBACK): the test never sleeps on a timer; the broker's I/O is real.
    static func eventuallyRetrying(
        _ service: MqttLinkService<ManualClock>, _ clock: ManualClock, within seconds: Double = 10,
        _ condition: () async throws -> Bool
    ) async rethrows -> Bool {
        try await eventually(within: seconds) {
            if try await condition() { return true }
            let diagnostics = await service.diagnostics()
            switch diagnostics.phase {
            case .waiting(let untilNs), .authRejected(_, let untilNs):
                if untilNs > diagnostics.nowNs { clock.advance(by: .nanoseconds(untilNs - diagnostics.nowNs)) }
            case .connected:
                clock.advance(by: .nanoseconds(fastLink.removalDelayNs))
            case .idle, .connecting, .stopped:
                break
            }
            return try await condition()
        }
    }

    static func stop<C>(_ service: MqttLinkService<C>, _ task: Task<Void, any Error>) async {
        service.triggerShutdown()
        _ = await task.result
    }

    static func phaseIsConnected<C>(_ service: MqttLinkService<C>) async -> Bool {
        if case .connected = await service.diagnostics().phase { return true }
        return false
    }

    @Test func entriesArriveAndLeaveTheOutboxAfterPuback() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let subscriber = try await TestSubscriber(port: broker.port, pattern: "\(EntryFactory.prefix)/#")
        defer { subscriber.close() }
        let dir = try TestDirectory()
        let outbox = try Outbox(path: dir.file("outbox.db"))
        let (logger, lines) = capturingLogger()
        let clock = ManualClock()
        let (service, task) = Self.startService(port: broker.port, outbox: outbox, logger: logger, clock: clock)

        #expect(await eventually { await Self.phaseIsConnected(service) })
        for priority in [OutboxPriority.info, .alarm, .warning, .info, .alarm] {
            try outbox.appendEvent { EntryFactory.event(priority, seq: $0) }
        }
        #expect(await eventually { subscriber.messages(on: "/event").count == 5 })
        #expect(await Self.eventuallyRetrying(service, clock) { (try? outbox.depth().count) == 0 })
        let seqs = subscriber.messages(on: "/event").map(\.payload)
        #expect(seqs.count == 5 && Set(seqs).count == 5)
        let diagnostics = await service.diagnostics()
        #expect(diagnostics.acknowledged == 5 && diagnostics.inFlight == 0 && diagnostics.session == 1)
        // The birth is retained on the status topic and carries the session.
        #expect(subscriber.messages(on: "/status").first?.payload == "{\"online\":true,\"session\":1}")

        // Graceful shutdown leaves "offline" as the retained status.
        await Self.stop(service, task)
        #expect(await eventually { subscriber.messages(on: "/status").last?.payload.contains("false") == true })
        #expect(lines.withLock { $0.contains { $0.contains("MQTT link connected") } })
    }

    @Test func backlogAfterBrokerRestartArrivesAlarmsFirstWithEverySeq() async throws {
        let broker = try MosquittoBroker(persistence: true)
        try await broker.start()
        // A persistent subscriber: the broker queues what arrives while it is away and keeps it over restarts.
        var subscriber = try await TestSubscriber(
            port: broker.port, pattern: "\(EntryFactory.prefix)/#", persistentID: "platform")
        let dir = try TestDirectory()
        let outbox = try Outbox(path: dir.file("outbox.db"))
        let (logger, _) = capturingLogger()
        // The backoff runs on a clock the test moves to each retry: nothing here sleeps on a timer.
        let clock = ManualClock()
        let (service, task) = Self.startService(port: broker.port, outbox: outbox, logger: logger, clock: clock)
        #expect(await eventually { await Self.phaseIsConnected(service) })
        try outbox.appendEvent { EntryFactory.storedEvent(.info, seq: $0) }  // seq 1, sent live
        #expect(await Self.eventuallyRetrying(service, clock) { (try? outbox.depth().count) == 0 })

        subscriber.close()
        broker.stop()
        #expect(await eventually { !(await Self.phaseIsConnected(service)) })
        // While the broker is down, events pile up in the outbox and none leaves it.
        let pattern: [OutboxPriority] = [.info, .warning, .alarm, .info, .status, .alarm, .warning, .info]
        var expected: [OutboxPriority: [Int64]] = [:]
        for round in 0..<3 {
            for priority in pattern {
                if priority == .status {
                    try outbox.append(EntryFactory.status(round))
                } else {
                    let result = try outbox.appendEvent { EntryFactory.storedEvent(priority, seq: $0) }
                    expected[priority, default: []].append(result.seq!)
                }
            }
        }
        let retried = await Self.eventuallyRetrying(service, clock, within: 20) {
            await service.diagnostics().consecutiveFailures >= 2
        }
        #expect(retried, "it kept retrying while the broker was down")
        #expect(try outbox.depth().count == 24)

        try await broker.start()
        #expect(await Self.eventuallyRetrying(service, clock) { (try? outbox.depth().count) == 0 })
        subscriber = try await TestSubscriber(
            port: broker.port, pattern: "\(EntryFactory.prefix)/#", persistentID: "platform")
        defer { subscriber.close() }
        #expect(await eventually { subscriber.messages(on: "/event").count == 21 })

        let events = subscriber.messages(on: "/event").map(\.payload)
        let classes = events.map { payload -> String in
            ["alarm", "warning", "info"].first { payload.contains("\"class\":\"\($0)\"") } ?? "?"
        }
        #expect(
            classes == Array(repeating: "alarm", count: 6) + Array(repeating: "warning", count: 6)
                + Array(repeating: "info", count: 9))
        let seqs = events.compactMap { payload -> Int64? in
            guard let range = payload.range(of: "\"seq\":") else { return nil }
            return Int64(payload[range.upperBound...].prefix { $0.isNumber })
        }
        #expect(Array(seqs[0..<6]) == expected[.alarm])
        #expect(Array(seqs[6..<12]) == expected[.warning])
        #expect(Array(seqs[12..<21]) == expected[.info])
        #expect(Set(seqs) == Set(2...22), "every seq after the live one is present")
        #expect(events.allSatisfy { $0.contains("\"historical\":true") })
        // Backlog status went out after the events, not retained; the session rose with the reconnect.
        let statuses = subscriber.messages(on: "/status").filter { $0.payload.contains("\"status\"") }
        #expect(statuses.count == 3 && statuses.allSatisfy { !$0.retained })
        #expect(await service.diagnostics().session >= 2)
        await Self.stop(service, task)
    }

    @Test func refusedPasswordIsReportedAndRetriedSlowly() async throws {
        let dir = try TestDirectory()
        let passwordFile = dir.file("passwords")
        try runProgram("/usr/bin/mosquitto_passwd", ["-c", "-b", passwordFile, "board", "right-secret"])
        let broker = try MosquittoBroker(extraConfig: "allow_anonymous false\npassword_file \(passwordFile)")
        try await broker.start()
        let outbox = try Outbox(path: dir.file("outbox.db"))
        let (logger, lines) = capturingLogger()
        // The retry delay runs on a clock the test moves by hand: nothing here sleeps to wait for it.
        let clock = ManualClock()
        let start = clock.now
        let (service, task) = Self.startService(
            port: broker.port, outbox: outbox, logger: logger, username: "board", password: "wrong-secret",
            clock: clock)

        #expect(await eventually(within: 5) { await service.diagnostics().authFailures == 1 })
        let diagnostics = await service.diagnostics()
        guard case .authRejected(let code, _) = diagnostics.phase else {
            Issue.record("expected authRejected, got \(diagnostics.phase)")
            return
        }
        #expect([4, 5, 134, 135].contains(code), "3.1.1's or MQTT 5's code for bad credentials")
        #expect(diagnostics.lastError?.contains("refused the credentials") == true)
        // Not retried in a tight loop: still one attempt well into the retry delay, and just before it ends...
        clock.advance(by: .milliseconds(800))
        #expect(await service.diagnostics().connectAttempts == 1)
        clock.advance(by: .milliseconds(699))
        #expect(await service.diagnostics().connectAttempts == 1)
        // ...and retried once it passes (1.5 s plus up to 20 % jitter).
        clock.advance(by: .milliseconds(301))
        #expect(await eventually(within: 5) { await service.diagnostics().authFailures == 2 })
        #expect(start.duration(to: clock.now) >= .milliseconds(1_500))
        await Self.stop(service, task)

        // The report is plain, and the password never reaches a log line.
        let logged = lines.withLock { $0 }
        #expect(logged.contains { $0.contains("refused the credentials") })
        #expect(!logged.contains { $0.contains("wrong-secret") })

        // The right password connects, so the refusal above really was about the credentials.
        let (good, goodTask) = Self.startService(
            port: broker.port, outbox: outbox, logger: logger, username: "board", password: "right-secret")
        #expect(await eventually(within: 5) { await Self.phaseIsConnected(good) })
        await Self.stop(good, goodTask)
    }

    @Test func unreachableBrokerBacksOffWithoutCrashing() async throws {
        let port = try MosquittoBroker.freePort()
        let dir = try TestDirectory()
        let outbox = try Outbox(path: dir.file("outbox.db"))
        try outbox.appendEvent { EntryFactory.event(.alarm, seq: $0) }
        let (logger, _) = capturingLogger()
        let clock = ManualClock()
        let (service, task) = Self.startService(port: port, outbox: outbox, logger: logger, clock: clock)
        var delays: [Int64] = []
        // Generous: the suite runs in parallel on a 2-core machine; the wait ends as soon as it holds.
        _ = await Self.eventuallyRetrying(service, clock, within: 30) {
            let diagnostics = await service.diagnostics()
            if let delay = diagnostics.lastRetryDelayNs, delays.last != delay { delays.append(delay) }
            return diagnostics.consecutiveFailures >= 5
        }
        let diagnostics = await service.diagnostics()
        #expect(diagnostics.consecutiveFailures >= 5)
        #expect(diagnostics.lastError?.contains("refused") == true, "\(diagnostics.lastError ?? "")")
        #expect(delays.count >= 3)
        let first = try #require(delays.first)
        let last = try #require(delays.last)
        #expect(first <= 100 * Self.ms)
        #expect(delays.allSatisfy { $0 <= 400 * Self.ms })
        #expect(last >= 320 * Self.ms, "reached the cap: \(delays)")
        #expect(try outbox.depth().count == 1, "nothing leaves the outbox without a broker")
        await Self.stop(service, task)
    }
}

extension MqttLinkServiceTests {
    /// The agent is killed while entries are in flight (its task cancelled, no clean shutdown, the outbox
    /// object dropped), then restarted on the same file: every entry arrives, duplicates allowed, none lost.
    @Test func restartedAgentResendsWhateverWasNotAcknowledged() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let subscriber = try await TestSubscriber(port: broker.port, pattern: "\(EntryFactory.prefix)/event")
        defer { subscriber.close() }
        let dir = try TestDirectory()
        let path = dir.file("outbox.db")
        let (logger, _) = capturingLogger()
        do {
            let outbox = try Outbox(path: path)
            for n in 0..<400 {
                try outbox.appendEvent { EntryFactory.event(n % 3 == 0 ? .alarm : .info, seq: $0) }
            }
            let clock = ManualClock()
            let (service, task) = Self.startService(port: broker.port, outbox: outbox, logger: logger, clock: clock)
            _ = await Self.eventuallyRetrying(service, clock) { await service.diagnostics().acknowledged >= 20 }
            task.cancel()
            _ = await task.result
        }
        let reopened = try Outbox(path: path)
        let left = try reopened.depth().count
        #expect(left > 0 && left < 400, "killed mid-flush: \(left) left")
        let clock = ManualClock()
        let (service, task) = Self.startService(port: broker.port, outbox: reopened, logger: logger, clock: clock)
        #expect(await Self.eventuallyRetrying(service, clock) { (try? reopened.depth().count) == 0 })
        #expect(await eventually { Set(subscriber.messages.map(\.payload)).count == 400 })
        #expect(try reopened.lastSeq() == 400)
        await Self.stop(service, task)
    }
}
