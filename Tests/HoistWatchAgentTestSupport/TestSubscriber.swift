import HoistWatchAgent
import HoistWatchTestSupport
import Synchronization

/// A second MQTT client that subscribes and records every message, in arrival order.
public final class TestSubscriber: Sendable {
    public struct Message: Sendable, Hashable {
        public var topic: String
        public var payload: String
        public var retained: Bool
    }

    public let client: MosquittoClient
    private let received = Mutex<[Message]>([])
    private let state = Mutex<[MosquittoEvent]>([])

    /// Connects to 127.0.0.1:`port` and subscribes to `pattern` at QoS 1. With `persistentID`, the session
    /// is kept by the broker (clean session false) so messages queue while the subscriber is away.
    public init(port: Int, pattern: String, persistentID: String? = nil, tls: MosquittoOptions.TLS? = nil) async throws {
        let options = MosquittoOptions(
            host: "127.0.0.1", port: port,
            clientID: persistentID ?? "sub-\(UInt32.random(in: 0...UInt32.max))",
            cleanSession: persistentID == nil, tls: tls)
        client = try MosquittoClient(options: options)
        let events = client.events
        Task {
            for await event in events {
                switch event {
                case .message(let topic, let payload, let retained):
                    self.received.withLock {
                        let text = String(decoding: payload, as: UTF8.self)
                        $0.append(Message(topic: topic, payload: text, retained: retained))
                    }
                case .log:
                    break
                default:
                    self.state.withLock { $0.append(event) }
                }
            }
        }
        try client.connect()
        guard await eventually(within: 5, { state.withLock { $0.contains(.connected) } }) else {
            throw MosquittoBroker.BrokerError(message: "subscriber did not connect: \(state.withLock { $0 })")
        }
        let mid = try client.subscribe(pattern)
        guard await eventually(within: 5, { state.withLock { $0.contains(.subscribed(mid: mid)) } }) else {
            throw MosquittoBroker.BrokerError(message: "subscription not acknowledged")
        }
    }

    public var messages: [Message] { received.withLock { $0 } }

    public func messages(on topicSuffix: String) -> [Message] {
        messages.filter { $0.topic.hasSuffix(topicSuffix) }
    }

    public func close() { client.close() }
}
