import Foundation
import HoistWatchAgentTestSupport
import HoistWatchConfig
import HoistWatchSystem
import HoistWatchTestSupport
import Logging
import Testing

@testable import HoistWatchAgent
@testable import HoistWatchCore

/// Delivery that no single message can block, against real Mosquitto brokers configured with `max_packet_size` and
/// with `message_size_limit`: flight records cut into parts that fit, alarms ahead of records, a part the broker
/// refuses set aside and counted while everything behind it arrives.
@Suite struct MqttDeliveryBrokerTests {
    static let limit = 16_384
    static let routing = EventRouting(topicPrefix: "hw", deviceId: "dev1", maxMessageBytes: limit)

    /// Starts a link on `clock` with the test timings and `limit` as its message size limit.
    static func startService<C: Clock>(
        port: Int, outbox: Outbox, logger: Logger, clock: C, backups: [Int] = [],
        link base: MqttLink.Configuration = MqttLinkServiceTests.fastLink,
        configure: (inout MqttLink.Configuration) -> Void = { _ in }
    ) -> (MqttLinkService<C>, Task<Void, any Error>) where C.Duration == Duration {
        var link = base
        link.maxMessageBytes = limit
        configure(&link)
        let broker = MosquittoOptions(host: "127.0.0.1", port: port, clientID: "dev1", keepAliveS: 5)
        let service = MqttLinkService(
            configuration: MqttLinkConfiguration(
                broker: broker, statusTopic: MqttLinkServiceTests.statusTopic, link: link,
                backups: backups.map { .init(host: "127.0.0.1", port: $0) }, birthTopic: "hw/dev1/birth"),
            outbox: outbox, logger: logger, clock: clock,
            birth: { Array("{\"online\":true,\"kind\":\"birth\",\"session\":\($0)}".utf8) },
            will: { Array("{\"online\":false,\"kind\":\"will\",\"session\":\($0)}".utf8) },
            random: SplitMix64(seed: 9))
        return (service, Task { try await service.run() })
    }

    /// A raised alarm's flight record of about `kib` KiB of trace text.
    static func record(for raised: Event, kib: Int) -> FlightRecord {
        let header = TraceHeader(equipment: .elevator, deviceId: "dev1", note: "flight record of \(raised.id)")
        // About `kib` KiB once compressed as the agent sends it: about 2 bytes an edge.
        let events = EventRoutingRecordTests.jitteredDoorEdges(kib * 1024 / 2)
        return FlightRecord(
            eventId: raised.id, type: .overspeed, raisedAtNs: 0, header: header, events: events, truncated: false)
    }

    static func alarm(_ n: Int) -> Event {
        Event(
            id: "alarm-\(n)", seq: 0, deviceId: "dev1", type: .overspeed, transition: .raised, severity: .alarm,
            monoNs: Int64(n), bootId: "boot-a", wallNs: 1_700_000_000_000_000_000, timeSynced: true,
            data: ["n": .number(Double(n))])
    }

    /// Stores alarm 1 with its flight record (parts), then alarm 2, as the detection loop does in one tick.
    static func storeAlarmsAndRecord(_ outbox: Outbox, kib: Int) throws -> [OutboxEntry] {
        let first = alarm(1)
        let parts = routing.entries(for: record(for: first, kib: kib), raised: first)
        var items: [Outbox.BatchItem] = [.event { seq in routing.entry(for: first, seq: seq) }]
        items += parts.map { .message($0) }
        items.append(.event { seq in routing.entry(for: alarm(2), seq: seq) })
        try outbox.append(batch: items)
        return parts
    }

    /// A broker started with `brokerConfig`, a subscriber to everything of the board, and an outbox holding two
    /// alarms around a record of about `kib` KiB in parts (what `storeAlarmsAndRecord` stored).
    struct Setup {
        let broker: MosquittoBroker
        let subscriber: TestSubscriber
        let directory: TestDirectory
        let outbox: Outbox
        let logger: Logger
        let lines: Locked<[String]>
        let clock = ManualClock()
        let parts: [OutboxEntry]

        init(brokerConfig: String, kib: Int) async throws {
            broker = try MosquittoBroker(extraConfig: "allow_anonymous true\n\(brokerConfig)")
            try await broker.start()
            subscriber = try await TestSubscriber(port: broker.port, pattern: "hw/#")
            directory = try TestDirectory()
            outbox = try Outbox(path: directory.file("outbox.db"))
            (logger, lines) = capturingLogger()
            parts = try MqttDeliveryBrokerTests.storeAlarmsAndRecord(outbox, kib: kib)
        }
    }

    @Test(arguments: ["max_packet_size \(limit)", "message_size_limit \(limit)"])
    func aRecordLargerThanTheBrokerTakesArrivesInPartsBehindTheAlarms(brokerLimit: String) async throws {
        let setup = try await Setup(brokerConfig: brokerLimit, kib: 100)
        let (broker, subscriber, outbox, logger, clock, parts) = (
            setup.broker, setup.subscriber, setup.outbox, setup.logger, setup.clock, setup.parts
        )
        defer { subscriber.close() }
        #expect(parts.count >= 7, "100 KiB in parts of at most 16 KiB")
        let (service, task) = Self.startService(port: broker.port, outbox: outbox, logger: logger, clock: clock)

        #expect(await MqttLinkServiceTests.eventuallyRetrying(service, clock) { (try? outbox.depth().count) == 0 })
        #expect(await eventually { subscriber.messages(on: "/\(parts.count)").count == parts.count })
        let messages = subscriber.messages
        let received = messages.filter { $0.topic.contains("/record/") }
        #expect(received.map(\.topic) == parts.map(\.topic), "every part once, in order")
        // Joined by the rule (parts 1 to n in order), they are the record's payload, which decodes to its trace.
        let whole = Self.record(for: Self.alarm(1), kib: 100).encoded()
        #expect(try FlightRecordPayload.trace(of: received.flatMap(\.bytes)) == whole)
        // Both alarms went before the last part: they never wait behind a record.
        let events = messages.indices.filter { messages[$0].topic.hasSuffix("/event") }
        let lastPart = try #require(messages.lastIndex { $0.topic.contains("/record/") })
        #expect(events.count == 2 && events.allSatisfy { $0 < lastPart })
        let diagnostics = await service.diagnostics()
        #expect(diagnostics.setAside == 0 && diagnostics.session == 1, "one connection: never refused")
        #expect(!broker.log.contains("oversize") && !broker.log.contains("too large"), "the broker took every part")
        #expect(try outbox.droppedCounts()[.alarm] == 0)
        await MqttLinkServiceTests.stop(service, task)
    }

    /// The broker's `max_packet_size` is below the board's limit (a site set up wrongly). On MQTT 3.1.1 Mosquitto
    /// closes the connection on each full part, and each is set aside after its tries; on MQTT 5 its CONNACK says
    /// the limit, so the link sets such parts aside without sending them and the connection never drops. Either way
    /// each is counted as a drop and named in the log, and the alarm stored behind them still arrives.
    @Test(arguments: [MqttProtocolChoice.v311, .auto])
    func partsTheBrokerKeepsRefusingAreSetAsideAndCountedWhileTheAlarmsArrive(
        version: MqttProtocolChoice
    )
        async throws
    {
        let setup = try await Setup(brokerConfig: "max_packet_size 12000", kib: 40)
        let (broker, subscriber, outbox, logger, lines, clock, parts) = (
            setup.broker, setup.subscriber, setup.outbox, setup.logger, setup.lines, setup.clock, setup.parts
        )
        defer { subscriber.close() }
        let refused = parts.filter {
            MqttPacketSize.publish(topicBytes: $0.topic.utf8.count, payloadBytes: $0.payload.count) > 12000
        }
        #expect(refused.count >= 2)
        let (service, task) = Self.startService(port: broker.port, outbox: outbox, logger: logger, clock: clock) {
            $0.mqttVersion = version
        }

        #expect(
            await MqttLinkServiceTests.eventuallyRetrying(service, clock, within: 60) {
                (try? outbox.depth().count) == 0
            })
        #expect(await eventually { subscriber.messages(on: "/event").count >= 2 })
        let events = Set(subscriber.messages(on: "/event").map(\.payload))
        #expect(events.count == 2, "both alarms arrived (duplicates allowed)")
        let delivered = Set(subscriber.messages.filter { $0.topic.contains("/record/") }.map(\.topic))
        #expect(delivered == Set(parts.map(\.topic)).subtracting(refused.map(\.topic)), "the parts that fit arrived")
        let diagnostics = await service.diagnostics()
        #expect(diagnostics.setAside == refused.count)
        #expect(try outbox.droppedCounts()[.alarm] == Int64(refused.count), "each set-aside part counted as a drop")
        let logged = lines.withLock { $0 }
        for part in refused {
            #expect(
                logged.contains { $0.contains("set an entry aside") && $0.contains(part.id) },
                "the log names \(part.id)")
        }
        switch version {
        case .v311:
            // Mosquitto 2.0 logs "disconnected due to oversize packet", 2.1 "disconnected: oversize packet".
            #expect(broker.log.contains("oversize packet"), "the broker did refuse them")
            #expect(diagnostics.session > 1)
            #expect(diagnostics.protocolVersion == .v311)
        case .auto, .v5:
            #expect(!broker.log.contains("oversize packet"), "nothing too large was sent")
            #expect(diagnostics.session == 1, "one connection throughout")
            #expect(diagnostics.protocolVersion == .v5 && diagnostics.brokerLimits.maximumPacketBytes == 12000)
            #expect(logged.contains { $0.contains("over the broker's maximum packet size (12000, from its CONNACK") })
        }
        await MqttLinkServiceTests.stop(service, task)
    }

    /// The broker's `message_size_limit` is below the board's limit: Mosquitto takes each full part and drops it.
    /// On MQTT 5 its PUBACK says so (0x95, packet too large), so each such part is set aside at once, counted and
    /// named in the log, on the same connection, and everything behind it arrives. (On MQTT 3.1.1 the PUBACK says
    /// nothing: README "Brokers".)
    @Test func partsTheBrokerDropsForItsMessageSizeLimitAreSetAsideOnMqtt5() async throws {
        let setup = try await Setup(brokerConfig: "message_size_limit 12000", kib: 40)
        let (broker, subscriber, outbox, logger, lines, clock, parts) = (
            setup.broker, setup.subscriber, setup.outbox, setup.logger, setup.lines, setup.clock, setup.parts
        )
        defer { subscriber.close() }
        let refused = parts.filter { $0.payload.count > 12000 }
        #expect(refused.count >= 2)
        let (service, task) = Self.startService(port: broker.port, outbox: outbox, logger: logger, clock: clock)

        #expect(
            await MqttLinkServiceTests.eventuallyRetrying(service, clock, within: 60) {
                (try? outbox.depth().count) == 0
            })
        #expect(await eventually { subscriber.messages(on: "/event").count == 2 })
        let delivered = Set(subscriber.messages.filter { $0.topic.contains("/record/") }.map(\.topic))
        #expect(delivered == Set(parts.map(\.topic)).subtracting(refused.map(\.topic)), "the parts that fit arrived")
        let diagnostics = await service.diagnostics()
        #expect(diagnostics.setAside == refused.count && diagnostics.session == 1)
        #expect(try outbox.droppedCounts()[.alarm] == Int64(refused.count), "each set-aside part counted as a drop")
        let logged = lines.withLock { $0 }
        for part in refused {
            #expect(
                logged.contains {
                    $0.contains("set an entry aside") && $0.contains(part.id) && $0.contains("0x95")
                        && $0.contains("sending it again cannot help")
                },
                "the log names \(part.id) and the broker's reason")
        }
        #expect(broker.log.contains("Dropped too large PUBLISH"), "the broker did drop them")
        let kept = try outbox.state.withLock { try $0.db.scalarInt64("SELECT count(*) FROM set_aside") }
        #expect(kept == Int64(refused.count), "kept in set_aside for an installer to look at")
        await MqttLinkServiceTests.stop(service, task)
    }

    @Test func aLateSubscriberFindsTheBirthRetainedAfterTheStatusMovedOn() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let dir = try TestDirectory()
        let outbox = try Outbox(path: dir.file("outbox.db"))
        let (logger, _) = capturingLogger()
        let clock = ManualClock()
        let (service, task) = Self.startService(port: broker.port, outbox: outbox, logger: logger, clock: clock)
        #expect(await eventually { await MqttLinkServiceTests.phaseIsConnected(service) })
        // A periodic status replaces the birth as the retained status...
        try outbox.append(EntryFactory.status(1))
        #expect(await MqttLinkServiceTests.eventuallyRetrying(service, clock) { (try? outbox.depth().count) == 0 })
        let late = try await TestSubscriber(port: broker.port, pattern: "hw/dev1/+")
        defer { late.close() }
        #expect(await eventually { late.messages.count >= 2 })
        #expect(late.messages(on: "/status").first?.payload == "{\"status\":1}")
        // ...but the birth's own topic still holds it, with this connection's session.
        let birth = try #require(late.messages(on: "/birth").first)
        #expect(birth.retained && birth.payload == "{\"online\":true,\"kind\":\"birth\",\"session\":1}")
        #expect(try outbox.session() == 1)
        await MqttLinkServiceTests.stop(service, task)
    }
}
