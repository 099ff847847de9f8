import Dispatch
import HoistWatchSystem

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
    /// a thread of its own afterwards, so a hanging connection never delays the caller. The outcome is decided off
    /// Swift's cooperative pool, by whichever comes first in real time: libmosquitto's answer (seen on its own thread)
    /// or a dispatch timer; so it is right even while the pool is too busy to run this task on time.
    public static func run(options: MosquittoOptions, timeoutS: Double) async -> Outcome {
        let (outcomes, continuation) = AsyncStream.makeStream(of: Outcome.self)
        let decided = Locked(false)
        @Sendable func decide(_ outcome: Outcome) {
            let first = decided.withLock { done in
                defer { done = true }
                return !done
            }
            if first { continuation.yield(outcome) }
        }
        let client: MosquittoClient
        do {
            client = try MosquittoClient(options: options) { event in
                switch event {
                case .connected: decide(.connected)
                case .connectRefused(let code, let reason): decide(.refused(connackCode: code, reason: reason))
                case .disconnected(let error): decide(.failed(error))
                case .published, .publishRefused, .subscribed, .message, .log: break
                }
            }
        } catch {
            return .failed(error)
        }
        defer { client.closeInBackground() }
        let timer = DispatchWorkItem { decide(.timedOut(afterS: timeoutS)) }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeoutS, execute: timer)
        client.connectInBackground()
        var first = outcomes.makeAsyncIterator()
        let outcome = await first.next() ?? .timedOut(afterS: timeoutS)
        timer.cancel()
        continuation.finish()
        return outcome
    }
}
