import HoistWatchSystem
import Testing

/// The detection loop's interruptible sleep: a stop request cuts a long sleep short; a deadline already passed does
/// not sleep at all. Neither waits for time to pass.
@Suite struct WakeSignalTests {
    @Test func aSignalEndsTheWaitAtOnceAndIsConsumed() {
        let wake = WakeSignal()
        wake.signal()
        let before = SystemClock.monotonicNs()
        #expect(wake.wait(untilMonotonicNs: before + 60_000_000_000))
        #expect(SystemClock.monotonicNs() - before < 30_000_000_000, "did not sleep out the minute")
        #expect(!wake.wait(untilMonotonicNs: SystemClock.monotonicNs() - 1), "consumed: the next wait is not signalled")
    }

    @Test func aDeadlineInThePastReturnsUnsignalled() {
        let wake = WakeSignal()
        let deadline = SystemClock.monotonicNs() - 1_000_000
        #expect(!wake.wait(untilMonotonicNs: deadline))
        #expect(SystemClock.monotonicNs() >= deadline)
    }
}
