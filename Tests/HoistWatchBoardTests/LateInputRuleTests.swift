import Testing

@testable import HoistWatchBoard

/// The one late-input rule of the board's streams (edge sequencer, input merge, trace recorder): an input stamped
/// before the last time handed on goes on at that time and is counted; one at or after it goes on at its own.
struct LateInputRuleTests {
    @Test(arguments: [
        // stamped, handed on at, late
        (Int64(99), Int64(100), true),  // just below
        (Int64(100), Int64(100), false),  // at
        (Int64(101), Int64(101), false),  // just above
    ])
    func anInputBeforeTheLastTimeHandedOnGoesOnThenAndIsCounted(stampedNs: Int64, atNs: Int64, late: Bool) {
        var rule = LateInputRule(startNs: 0)
        #expect(rule.handOn(stampedNs: 100) == 100)
        #expect(rule.handOn(stampedNs: stampedNs) == atNs)
        #expect(rule.lateInputs == (late ? 1 : 0))
        #expect(rule.lastNs == atNs)
    }

    @Test func aHorizonPassedWithoutInputsMakesOlderInputsLateAndNeverMovesBack() {
        var rule = LateInputRule(startNs: 0)
        rule.pass(500)
        rule.pass(200)
        #expect(rule.lastNs == 500)
        #expect(rule.notBefore(300) == 500 && rule.notBefore(700) == 700)
        #expect(rule.lateInputs == 0, "what is placed with notBefore is not an input")
        #expect(rule.handOn(stampedNs: 499) == 500 && rule.lateInputs == 1)
    }
}
