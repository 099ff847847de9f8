import HoistWatchSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where an event's time goes between its confirm instant and the broker's PUBACK, when `HOISTWATCH_TRACE_LATENCY=1`
/// (`make bench`'s latency run; off by default): the CLOCK_MONOTONIC time of each stage, kept in memory and given
/// back whole at the PUBACK, so the one log line it makes comes after the path, not in it.
///
/// Stages: `confirmNs` (the event's `mono_ns`), `appendingNs` (the detection loop hands its batch to the outbox),
/// `committedNs` (the outbox's append observer, right after the
/// transaction and its fsync), `wokeNs` (the link's loop takes the append), `readNs` (the entry read back from the
/// outbox), `handedNs` (`mosquitto_publish` returned), `acknowledgedNs` (the PUBACK handled).
public final class LatencyTrace: Sendable {
    /// One event's path.
    public struct Path: Sendable, Hashable {
        /// The event's `mono_ns`: its confirm instant.
        public var confirmNs: Int64
        /// The detection loop handed its batch to the outbox.
        public var appendingNs: Int64
        /// The append's transaction and fsync were done.
        public var committedNs: Int64
        /// The link's loop took the append.
        public var wokeNs: Int64
        /// The entry was read back to be sent.
        public var readNs: Int64
        /// `mosquitto_publish` returned.
        public var handedNs: Int64 = 0
        /// The PUBACK was handled.
        public var acknowledgedNs: Int64 = 0

        /// Microseconds of each step, for the log: confirm->appending (the detection loop's wake and work),
        /// appending->commit (the writer's queue, SQLite, the fsync), commit->woke, woke->read, read->handed,
        /// handed->PUBACK.
        public var stepsUs: [String: String] {
            func us(_ from: Int64, _ to: Int64) -> String { "\((to - from) / 1_000)" }
            return [
                "latency.detect_us": us(confirmNs, appendingNs), "latency.commit_us": us(appendingNs, committedNs),
                "latency.wake_us": us(committedNs, wokeNs),
                "latency.read_us": us(wokeNs, readNs), "latency.hand_us": us(readNs, handedNs),
                "latency.puback_us": us(handedNs, acknowledgedNs), "latency.total_us": us(confirmNs, acknowledgedNs),
            ]
        }
    }

    /// The process's trace: nil unless `HOISTWATCH_TRACE_LATENCY` is `1`.
    public static let shared: LatencyTrace? =
        getenv("HOISTWATCH_TRACE_LATENCY").map { String(cString: $0) } == "1"
        ? LatencyTrace() : nil

    private struct State {
        var lastAppendingNs: Int64 = 0
        var lastCommitNs: Int64 = 0
        var lastWokeNs: Int64 = 0
        var paths: [String: Path] = [:]
    }

    private let state = Locked(State())

    /// The most paths held at once (a link that never gets PUBACKs must not grow it).
    static let capacity = 1_024

    init() {}

    /// The detection loop hands a batch of events to the outbox.
    public func appending() {
        let now = SystemClock.monotonicNs()
        state.withLock { $0.lastAppendingNs = now }
    }

    /// The outbox committed an append (its observer, on the writer's thread).
    public func committed() {
        let now = SystemClock.monotonicNs()
        state.withLock { $0.lastCommitNs = now }
    }

    /// The link's loop took the append.
    public func woke() {
        let now = SystemClock.monotonicNs()
        state.withLock { $0.lastWokeNs = now }
    }

    /// The entry `id`, an event confirmed at `confirmNs`, was read back to be sent.
    public func read(id: String, confirmNs: Int64) {
        let now = SystemClock.monotonicNs()
        state.withLock { state in
            guard state.paths.count < Self.capacity, state.lastCommitNs >= confirmNs else { return }
            state.paths[id] = Path(
                confirmNs: confirmNs, appendingNs: max(confirmNs, min(state.lastAppendingNs, state.lastCommitNs)),
                committedNs: state.lastCommitNs, wokeNs: max(state.lastWokeNs, state.lastCommitNs),
                readNs: now)
        }
    }

    /// `mosquitto_publish` took the entry `id`.
    public func handed(id: String) {
        let now = SystemClock.monotonicNs()
        state.withLock { $0.paths[id]?.handedNs = now }
    }

    /// The PUBACK of `id` came: its whole path, forgotten here.
    public func acknowledged(id: String) -> Path? {
        let now = SystemClock.monotonicNs()
        return state.withLock { state in
            guard var path = state.paths.removeValue(forKey: id), path.handedNs > 0 else { return nil }
            path.acknowledgedNs = now
            return path
        }
    }
}
