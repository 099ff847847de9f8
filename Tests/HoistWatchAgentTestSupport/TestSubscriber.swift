import HoistWatchAgent
import HoistWatchTestSupport
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A second MQTT client that subscribes and records every message, in arrival order.
public final class TestSubscriber: Sendable {
    /// One message as the broker delivered it.
    public struct Message: Sendable, Hashable {
        /// The full topic (`hoistwatch/v1/{device_id}/event`).
        public var topic: String
        /// The payload decoded as UTF-8 (invalid bytes replaced), so tests can compare JSON text; a flight record
        /// is first decompressed as the README tells a platform subscriber to (`FlightRecordPayload.trace(of:)`).
        public var payload: String
        /// The payload's bytes as the broker delivered them (a flight record: compressed).
        public var bytes: [UInt8] = []
        /// The retain flag as delivered: with MQTT 3.1.1 it is set only on a retained message the broker replays at
        /// subscribe time, not on a live publish made with retain.
        public var retained: Bool
        /// The subscriber's wall clock (CLOCK_REALTIME, ns) when the message arrived, for latency checks.
        public var receivedWallNs: Int64 = 0
    }

    /// The subscriber's own connection to the broker.
    public let client: MosquittoClient
    private let received = Mutex<[Message]>([])
    private let state = Mutex<[MosquittoEvent]>([])

    /// Connects to 127.0.0.1:`port` and subscribes to `pattern` at QoS 1. With `persistentID`, the session
    /// is kept by the broker (clean session false) so messages queue while the subscriber is away. With
    /// `savesContractSamples` (subscribers to a real agent's topics), every message is also given to `ContractSamples`,
    /// which `make test` validates against the contract's schemas.
    public init(
        port: Int, pattern: String, persistentID: String? = nil, tls: MosquittoOptions.TLS? = nil,
        savesContractSamples: Bool = false
    ) async throws {
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
                    if savesContractSamples { ContractSamples.save(topic: topic, payload: payload) }
                    self.received.withLock {
                        let decoded =
                            topic.contains("/record/")
                            ? (try? FlightRecordPayload.trace(of: payload)) ?? payload : payload
                        let text = String(decoding: decoded, as: UTF8.self)
                        var now = timespec()
                        clock_gettime(CLOCK_REALTIME, &now)
                        $0.append(
                            Message(
                                topic: topic, payload: text, bytes: payload, retained: retained,
                                receivedWallNs: Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)))
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

    /// Every message received so far, in arrival order (a copy: later messages do not change it).
    public var messages: [Message] { received.withLock { $0 } }

    /// The messages whose topic ends with `topicSuffix` (`/event`, `/status`), in arrival order.
    public func messages(on topicSuffix: String) -> [Message] {
        messages.filter { $0.topic.hasSuffix(topicSuffix) }
    }

    /// The flight record of `eventId` as a subscriber rebuilds it (README "Flight records in parts"): the payload on
    /// `.../record/{event_id}`, or the payloads of `.../record/{event_id}/{part}/{n}` joined in part order once all
    /// n arrived; nil before then.
    public func flightRecord(eventId: String) -> String? {
        var parts: [Int: [UInt8]] = [:]
        var count = 0
        for message in messages {
            let levels = message.topic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard let at = levels.indices.first(where: { levels[$0] == "record" }), at + 1 < levels.count,
                levels[at + 1] == eventId
            else { continue }
            let rest = levels[(at + 2)...]
            if rest.isEmpty { return message.payload }
            let numbers = rest.compactMap { Int($0) }
            guard numbers.count == 2 else { continue }
            parts[numbers[0]] = message.bytes
            count = numbers[1]
        }
        guard count > 0, (1...count).allSatisfy({ parts[$0] != nil }) else { return nil }
        // The parts join to the bytes an unsplit record carries: compressed, so decoded as a whole.
        let joined = (1...count).flatMap { parts[$0]! }
        return String(decoding: (try? FlightRecordPayload.trace(of: joined)) ?? joined, as: UTF8.self)
    }

    /// Disconnects and waits for the client's network thread to end (`MosquittoClient.close()`, which blocks).
    public func close() { client.close() }
}
