import HoistWatchAgentTestSupport
import HoistWatchSystem
import HoistWatchTestSupport
import Testing

@testable import HoistWatchAgent

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

    @Test func optionsNeverPrintThePassword() {
        let options = MosquittoOptions(
            host: "broker", port: 8883, clientID: "dev1", username: "board", password: "s3cret",
            tls: .init(caFile: "/etc/ca.pem"))
        #expect(!options.description.contains("s3cret"))
        #expect(options.description.contains("mqtts://board@broker:8883"))
    }
}
