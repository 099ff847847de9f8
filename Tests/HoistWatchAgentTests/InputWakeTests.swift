import HoistWatchSystem
import Testing

@testable import HoistWatchAgent

/// When the detection loop wakes for input a GPIO board reported: the tick at or after the input plus the
/// evaluation delay, and a signal only when that is earlier than the loop's own plan. No time passes.
@Suite struct InputWakeTests {
    static let originNs: Int64 = 5_000_000_000

    static func wake(_ signal: WakeSignal) -> InputWake {
        InputWake(signal: signal, originMonoNs: originNs, tickNs: 10_000_000, evaluationDelayNs: 2_000_000)
    }

    @Test func anInputIsEvaluatedAtTheTickAtOrAfterIt() {
        let wake = Self.wake(WakeSignal())
        #expect(wake.wakeMonoNs(forBoardNs: 25_000_000) == Self.originNs + 32_000_000)
        #expect(wake.wakeMonoNs(forBoardNs: 30_000_000) == Self.originNs + 32_000_000, "on the grid: that tick")
        #expect(wake.wakeMonoNs(forBoardNs: 30_000_001) == Self.originNs + 42_000_000)
        #expect(wake.wakeMonoNs(forBoardNs: .min) == .min, "a failure: at once")
    }

    @Test func anInputSignalsOnlyWhenTheLoopMustWakeEarlierThanPlanned() {
        let signal = WakeSignal()
        let wake = Self.wake(signal)
        // The loop plans to wake 1 s from the origin; an input at 25 ms needs it at 32 ms.
        #expect(wake.plan(Self.originNs + 1_000_000_000) == Self.originNs + 1_000_000_000)
        wake.note(boardNs: 25_000_000)
        #expect(signal.consume(), "signalled")
        #expect(wake.dueMonoNs == Self.originNs + 32_000_000)
        // A later input (or one of the same tick) changes nothing and does not signal again.
        wake.note(boardNs: 27_000_000)
        wake.note(boardNs: 60_000_000)
        #expect(!signal.consume())
        #expect(wake.dueMonoNs == Self.originNs + 32_000_000)
        // A plan earlier than the input: no signal.
        wake.beginTurn()
        #expect(wake.plan(Self.originNs + 40_000_000) == Self.originNs + 40_000_000)
        wake.note(boardNs: 45_000_000)
        #expect(!signal.consume())
        #expect(wake.dueMonoNs == Self.originNs + 40_000_000)
        // During a turn (nothing planned yet) every first input signals, so the next sleep is cut short.
        wake.beginTurn()
        wake.note(boardNs: 45_000_000)
        #expect(signal.consume())
        #expect(wake.plan(Self.originNs + 1_000_000_000) == Self.originNs + 52_000_000, "the input noted")
    }
}
