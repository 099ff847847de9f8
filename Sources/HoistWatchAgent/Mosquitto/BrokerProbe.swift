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
    /// a thread of its own afterwards, so a hanging connection never delays the caller.
    public static func run(options: MosquittoOptions, timeoutS: Double) async -> Outcome {
        let client: MosquittoClient
        do {
            client = try MosquittoClient(options: options)
        } catch {
            return .failed(error)
        }
        defer { client.closeInBackground() }
        let events = client.events
        client.connectInBackground()
        return await withTaskGroup(of: Outcome?.self) { group in
            group.addTask {
                try? await Task.sleep(for: .milliseconds(Int64(timeoutS * 1000)))
                return .timedOut(afterS: timeoutS)
            }
            group.addTask {
                for await event in events {
                    switch event {
                    case .connected: return .connected
                    case .connectRefused(let code, let reason): return .refused(connackCode: code, reason: reason)
                    case .disconnected(let error): return .failed(error)
                    case .published, .subscribed, .message, .log: continue
                    }
                }
                // Cancelled by the timer's result, or the stream ended without a word.
                return Task.isCancelled ? nil : .failed(nil)
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .timedOut(afterS: timeoutS)
        }
    }
}
