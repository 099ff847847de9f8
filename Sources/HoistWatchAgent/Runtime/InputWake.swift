import HoistWatchCore
import HoistWatchSystem

/// When the detection loop must wake for input a board reported itself (`BoardInputSource.wakesOnInput`): the
/// tick at or after the input, plus the evaluation delay, on CLOCK_MONOTONIC. The board's threads call `note`;
/// the loop says when it plans to wake anyway (`plan`), so an input only signals it when that is earlier, and
/// starts each turn with `beginTurn` (after which every input signals again until the next `plan`).
final class InputWake: Sendable {
    private struct Times {
        /// When the loop means to wake by itself; `.max` during a turn.
        var plannedMonoNs: Int64 = .max
        /// The earliest wake-up an input asked for since the turn began.
        var inputMonoNs: Int64 = .max
    }

    private let times = Locked(Times())
    private let signal: WakeSignal
    /// CLOCK_MONOTONIC of the board's time 0.
    private let originMonoNs: Int64
    private let tickNs: Int64
    private let evaluationDelayNs: Int64

    /// Wake-ups for a board whose time 0 is `originMonoNs`, evaluated `evaluationDelayNs` after each tick of
    /// `tickNs`; `signal` is the loop's sleep.
    init(signal: WakeSignal, originMonoNs: Int64, tickNs: Int64, evaluationDelayNs: Int64) {
        self.signal = signal
        self.originMonoNs = originMonoNs
        self.tickNs = tickNs
        self.evaluationDelayNs = evaluationDelayNs
    }

    /// When an input at board time `boardNs` is to be evaluated: the tick at or after it (`Int64.min`: at once).
    func wakeMonoNs(forBoardNs boardNs: Int64) -> Int64 {
        guard boardNs != .min else { return .min }
        let tick = (max(0, boardNs) + tickNs - 1) / tickNs * tickNs
        return originMonoNs + tick + evaluationDelayNs
    }

    /// An input came at board time `boardNs` (any thread): signals the loop when it must wake earlier than planned.
    func note(boardNs: Int64) {
        let atNs = wakeMonoNs(forBoardNs: boardNs)
        let wakes = times.withLock { times -> Bool in
            guard atNs < min(times.plannedMonoNs, times.inputMonoNs) else { return false }
            times.inputMonoNs = atNs
            return true
        }
        if wakes { signal.signal() }
    }

    /// A turn begins: inputs from now on are new to it.
    func beginTurn() {
        times.withLock { $0 = Times() }
    }

    /// The loop will wake at `monoNs` by itself; returns when it must wake (earlier, for an input already noted).
    func plan(_ monoNs: Int64) -> Int64 {
        times.withLock { times in
            times.plannedMonoNs = monoNs
            return min(monoNs, times.inputMonoNs)
        }
    }

    /// When the loop must wake now: the earlier of its plan and the inputs noted.
    var dueMonoNs: Int64 { times.withLock { min($0.plannedMonoNs, $0.inputMonoNs) } }
}
