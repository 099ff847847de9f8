import CMosquitto
import HoistWatchAgentTestSupport
import HoistWatchSystem
import HoistWatchTestSupport
import Testing

@testable import HoistWatchAgent

#if canImport(Glibc)
import Glibc
#endif

/// The libmosquitto wrapper on its own, against a real broker.
@Suite struct MosquittoClientTests {
    @Test func publishesQoS1AndReportsThePuback() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let subscriber = try await TestSubscriber(port: broker.port, pattern: "t/#")
        defer { subscriber.close() }
        let client = try MosquittoClient(
            options: MosquittoOptions(host: "127.0.0.1", port: broker.port, clientID: "pub"))
        let events = Locked<[MosquittoEvent]>([])
        let stream = client.events
        let collector = Task { for await event in stream { events.withLock { $0.append(event) } } }
        try client.connect()
        #expect(await eventually(within: 5) { events.withLock { $0.contains(.connected) } })
        let mid = try client.publish(topic: "t/a", payload: Array("hello".utf8), retain: true)
        #expect(await eventually(within: 5) { events.withLock { $0.contains(.published(mid: mid)) } })
        #expect(await eventually(within: 5) { subscriber.messages.map(\.payload) == ["hello"] })
        client.close()
        _ = await collector.value
        #expect(events.withLock { $0.contains(.disconnected(nil)) }, "a requested disconnect carries no error")
    }

    @Test func unknownHostIsReportedAsAnEventNotACrash() async throws {
        let client = try MosquittoClient(
            options: MosquittoOptions(host: "no-such-broker.invalid", port: 1883, clientID: "x"))
        let stream = client.events
        client.connectInBackground()
        var failure: MosquittoError?
        for await event in stream {
            if case .disconnected(let error) = event {
                failure = error
                break
            }
        }
        let error = try #require(failure)
        #expect(error.description.contains("mosquitto_connect_async (no-such-broker.invalid:1883)"))
        client.close()
    }

    @Test func aSecondConnectIsRefused() throws {
        let port = try MosquittoBroker.freePort()
        let client = try MosquittoClient(options: MosquittoOptions(host: "127.0.0.1", port: port, clientID: "x"))
        // Nothing listens: the first attempt fails at once on loopback or later on the thread; either way the
        // client is spent and says so.
        _ = try? client.connect()
        #expect(throws: MosquittoError.self) { try client.connect() }
        client.close()
    }

    /// libmosquitto's own thread waited in select(2), which cannot watch a descriptor above 1023: a process holding
    /// that many (the fleet bench: six a board) lost every connection made after. The network loop polls.
    @Test func connectsAndGetsThePubackWithItsDescriptorsAbove1024() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        try await withDescriptorsAbove1024 { refill in
            let client = try MosquittoClient(
                options: MosquittoOptions(host: "127.0.0.1", port: broker.port, clientID: "high-fd"))
            try await expectPuback(from: client, refill: refill)
        }
    }

    @Test func connectsOverTLSAndGetsThePubackWithItsDescriptorsAbove1024() async throws {
        let certs = try await TestCertificates.make()
        let broker = try TLSLinkTests.tlsBroker(certs)
        try await broker.start()
        try await withDescriptorsAbove1024 { refill in
            let tls = MosquittoOptions.TLS(caFile: certs.caFile, certFile: certs.clientCert, keyFile: certs.clientKey)
            let client = try MosquittoClient(
                options: MosquittoOptions(host: "127.0.0.1", port: broker.port, clientID: "high-fd-tls", tls: tls))
            try await expectPuback(from: client, refill: refill)
        }
    }

    /// The fleet's shape: one network loop (one thread) for many connections, each with its own PUBACKs; one that
    /// closes leaves the others connected.
    @Test func oneNetworkLoopServesManyClients() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let loop = MosquittoNetworkLoop()
        let clients = try (0..<20).map { index in
            try MosquittoClient(
                options: MosquittoOptions(host: "127.0.0.1", port: broker.port, clientID: "shared-\(index)"),
                networkLoop: loop)
        }
        let recorders = clients.map { EventRecorder($0) }
        for client in clients { try client.connect() }
        for recorder in recorders { #expect(await recorder.eventually { $0.contains(.connected) }) }
        let mids = try clients.map { try $0.publish(topic: "t/shared", payload: Array("x".utf8)) }
        for (recorder, mid) in zip(recorders, mids) {
            #expect(await recorder.eventually { $0.contains(.published(mid: mid)) })
        }
        clients[0].close()
        await recorders[0].finished()
        #expect(recorders[0].events.contains(.disconnected(nil)))
        let mid = try clients[1].publish(topic: "t/shared", payload: Array("y".utf8))
        #expect(await recorders[1].eventually { $0.contains(.published(mid: mid)) })
        #expect(!recorders[1].events.contains { if case .disconnected = $0 { true } else { false } })
        for client in clients.dropFirst() { client.close() }
        for recorder in recorders { await recorder.finished() }
    }

    /// The loop sleeps until the keepalive deadline, then `mosquitto_loop_misc` sends the PINGREQ: an idle
    /// connection stays up past the broker's 1.5 x keepalive (libmosquitto's shortest keepalive is 5 s).
    @Test func anIdleConnectionIsKeptAliveByPings() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let client = try MosquittoClient(
            options: MosquittoOptions(host: "127.0.0.1", port: broker.port, clientID: "idle", keepAliveS: 5))
        let recorder = EventRecorder(client)
        try client.connect()
        #expect(await recorder.eventually { $0.contains(.connected) })
        try await Task.sleep(for: .seconds(WallClockScale.seconds(8.5)))
        #expect(broker.log.contains("Received PINGREQ from idle"))
        #expect(!recorder.events.contains { if case .disconnected = $0 { true } else { false } })
        let mid = try client.publish(topic: "t/idle", payload: [1])
        #expect(await recorder.eventually { $0.contains(.published(mid: mid)) })
        client.close()
        await recorder.finished()
    }

    /// The network loop holds a client only while its connection runs: a closed client is freed with its
    /// descriptors (an agent makes one per connection for months), also after a publish raced the close.
    @Test func aClosedClientIsFreed() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        weak var freed: MosquittoClient?
        do {
            let client = try MosquittoClient(
                options: MosquittoOptions(host: "127.0.0.1", port: broker.port, clientID: "freed"))
            freed = client
            let recorder = EventRecorder(client)
            try client.connect()
            #expect(await recorder.eventually { $0.contains(.connected) })
            client.close()
            _ = try? client.publish(topic: "t/late", payload: [1])
            await recorder.finished()
        }
        #expect(await eventually(within: 5) { freed == nil })
    }

    /// On MQTT 5 the CONNACK's limits reach the owner (Mosquitto sends `max_packet_size` and its receive maximum,
    /// `max_inflight_messages`, 20 by default), and a PUBACK that refuses a message (a payload over
    /// `message_size_limit`: 0x95) is `.publishRefused`, while one that fits is `.published`. On 3.1.1 the same broker
    /// says neither.
    @Test func anMqtt5ConnectionReportsTheBrokerLimitsAndPubackRefusals() async throws {
        let broker = try MosquittoBroker(
            extraConfig: "allow_anonymous true\nmax_packet_size 50000\nmessage_size_limit 1000")
        try await broker.start()
        for version in MqttProtocolVersion.allCases {
            let client = try MosquittoClient(
                options: MosquittoOptions(
                    host: "127.0.0.1", port: broker.port, clientID: "v\(version)", protocolVersion: version))
            let recorder = EventRecorder(client)
            try client.connect()
            #expect(await recorder.eventually { $0.contains(.connected) })
            let small = try client.publish(topic: "t/small", payload: Array(repeating: 0x61, count: 100))
            let large = try client.publish(topic: "t/large", payload: Array(repeating: 0x61, count: 2000))
            #expect(await recorder.eventually { $0.contains(.published(mid: small)) })
            switch version {
            case .v5:
                #expect(client.brokerLimits == MqttBrokerLimits(maximumPacketBytes: 50000, receiveMaximum: 20))
                #expect(
                    await recorder.eventually {
                        $0.contains { event in
                            guard case .publishRefused(large, 0x95, let reason) = event else { return false }
                            return reason.lowercased().contains("too large")
                        }
                    })
                #expect(!recorder.events.contains(.published(mid: large)))
            case .v311:
                #expect(client.brokerLimits == .none)
                #expect(await recorder.eventually { $0.contains(.published(mid: large)) }, "3.1.1 cannot say")
            }
            client.close()
            await recorder.finished()
        }
    }

    @Test func optionsNeverPrintThePassword() {
        let options = MosquittoOptions(
            host: "broker", port: 8883, clientID: "dev1", username: "board", password: "s3cret",
            tls: .init(caFile: "/etc/ca.pem"))
        #expect(!options.description.contains("s3cret"))
        #expect(options.description.contains("mqtts://board@broker:8883"))
    }
}

/// Connects `client`, publishes one QoS 1 message and expects its PUBACK, then closes it. `refill` (high
/// descriptors) runs just before the connect.
private func expectPuback(from client: MosquittoClient, refill: () throws -> Void = {}) async throws {
    let recorder = EventRecorder(client)
    try refill()
    try client.connect()
    #expect(await recorder.eventually { $0.contains(.connected) }, "\(recorder.events)")
    #expect(mosquitto_socket(client.handle) > 1024, "the test is about a socket select(2) cannot watch")
    let mid = try client.publish(topic: "t/high", payload: Array("hello".utf8))
    #expect(await recorder.eventually { $0.contains(.published(mid: mid)) }, "\(recorder.events)")
    client.close()
    await recorder.finished()
    #expect(recorder.events.contains(.disconnected(nil)))
}

/// Runs `body` while this process holds enough descriptors (copies of /dev/null) that the next ones it opens are
/// numbered above 1024; raises the soft RLIMIT_NOFILE for that (to the hard limit, which root may raise too).
/// Other suites of the process close descriptors meanwhile, leaving holes below 1024 that the next socket would
/// take: `body` gets `refill`, which takes them too, to call right before it opens the socket.
private func withDescriptorsAbove1024(_ body: (_ refill: () throws -> Void) async throws -> Void) async throws {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    let wanted: rlim_t = 4096
    if limit.rlim_cur < wanted {
        limit.rlim_cur = max(limit.rlim_cur, min(wanted, limit.rlim_max))
        if limit.rlim_max < wanted {
            limit.rlim_max = wanted
            limit.rlim_cur = wanted
        }
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
    let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
    try #require(devNull >= 0)
    var held = [devNull]
    defer { for descriptor in held { close(descriptor) } }
    // Each copy takes the lowest free number: copies until one lands above 1100 take every hole below it.
    func refill() throws {
        while true {
            let copy = fcntl(devNull, F_DUPFD_CLOEXEC, 0)
            try #require(copy >= 0, "could not hold descriptors up to 1100: errno \(errno)")
            held.append(copy)
            if copy > 1100 { return }
        }
    }
    try refill()
    try await body(refill)
}

/// Every event of one client, in order, from its stream.
private final class EventRecorder: Sendable {
    private let recorded = Locked<[MosquittoEvent]>([])
    private let task: Task<Void, Never>

    init(_ client: MosquittoClient) {
        let recorded = self.recorded
        let stream = client.events
        task = Task { for await event in stream { recorded.withLock { $0.append(event) } } }
    }

    var events: [MosquittoEvent] { recorded.withLock { $0 } }

    func eventually(_ condition: @escaping @Sendable ([MosquittoEvent]) -> Bool) async -> Bool {
        await HoistWatchTestSupport.eventually(within: 10) { condition(self.events) }
    }

    /// Waits for the stream to finish (after `close()`).
    func finished() async { await task.value }
}
