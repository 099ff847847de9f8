import Dispatch

/// One connect attempt to a broker with a hard time limit, for `hoistwatch selftest`: whatever the server does
/// (answers, refuses, closes, or accepts the TCP connection and stays silent), `run` returns by `timeoutS`.
public enum BrokerProbe {
    /// How the attempt ended.
    public enum Outcome: Sendable, Hashable {
        /// CONNACK 0.
        case connected
        /// CONNACK with a refusal code (`mosquitto_connack_string`'s reason).
        case refused(connackCode: Int32, reason: String)
        /// The connection could not be made or ended before any CONNACK (nil: closed without a reason).
        case failed(MosquittoError?)
        /// No CONNACK within the time limit.
        case timedOut(afterS: Double)
    }

    /// Connects once with `options` and waits at most `timeoutS` seconds for the outcome. The client is closed on
    /// a thread of its own afterwards, so a hanging connection never delays the caller. The time limit runs on a
    /// dispatch timer, not on a task, so it is decided on time even while Swift's cooperative pool is busy.
    public static func run(options: MosquittoOptions, timeoutS: Double) async -> Outcome {
        let client: MosquittoClient
        do {
            client = try MosquittoClient(options: options)
        } catch {
            return .failed(error)
        }
        defer { client.closeInBackground() }
        let (outcomes, continuation) = AsyncStream.makeStream(of: Outcome.self)
        let timer = DispatchWorkItem { continuation.yield(.timedOut(afterS: timeoutS)) }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeoutS, execute: timer)
        let events = client.events
        let forward = Task {
            for await event in events {
                switch event {
                case .connected: continuation.yield(.connected)
                case .connectRefused(let code, let reason):
                    continuation.yield(.refused(connackCode: code, reason: reason))
                case .disconnected(let error): continuation.yield(.failed(error))
                case .published, .subscribed, .message, .log: continue
                }
                return
            }
            // The stream ended without a word.
            continuation.yield(.failed(nil))
        }
        client.connectInBackground()
        var first = outcomes.makeAsyncIterator()
        let outcome = await first.next() ?? .timedOut(afterS: timeoutS)
        timer.cancel()
        forward.cancel()
        continuation.finish()
        return outcome
    }
}
