import Testing

@testable import HoistWatchCore

@Suite struct CraneDetectorTests {
    private func loadScript(kg: Double) -> InputScript {
        var script = InputScript.crane()
        script.load(kg: 0, fromS: 0, toS: 1)
        script.load(kg: kg, fromS: 1, toS: 5)
        script.load(kg: 5000, fromS: 5, toS: 10)
        return script
    }

    @Test func prewarningBelowThresholdIsQuiet() {
        let events = loadScript(kg: 8990).run(untilS: 10)
        #expect(events.isEmpty)
    }

    @Test func prewarningThenOverload() {
        let prewarn = loadScript(kg: 9500).run(untilS: 10)
        #expect(prewarn.transitions == ["overload_prewarning raised", "overload_prewarning cleared"])
        let overload = loadScript(kg: 11200).run(untilS: 10)
        #expect(overload.first(.overload, .raised)?.severity == .alarm)
        let at = overload.seconds(.overload, .raised)!
        #expect(at > 1.5 && at < 1.9)
        #expect(overload.first(.overload, .cleared) != nil)
        #expect(overload.first(.overloadPrewarning, .cleared) != nil)
    }

    @Test func overloadJustBelowIsOnlyPrewarning() {
        let events = loadScript(kg: 10990).run(untilS: 10)
        #expect(events.first(.overload, .raised) == nil)
        #expect(events.first(.overloadPrewarning, .raised) != nil)
    }

    @Test(arguments: [(0.55, false), (0.65, true)])
    func hoistOverspeed(speedMps: Double, raised: Bool) {
        var script = InputScript.crane()
        script.move(fromS: 1, durationS: 2, speedMps: speedMps)
        let events = script.run(untilS: 6)
        #expect((events.first(.overspeed, .raised) != nil) == raised)
        if raised { #expect(events.first(.overspeed, .raised)?.data["rated_hoist_speed_mps"] == .number(0.5)) }
    }

    @Test(arguments: [(0.4, false), (0.8, true)])
    func doubleLimitDisagreement(skewS: Double, raised: Bool) {
        var script = InputScript.crane(heightM: 18.0)
        script.set(.upperLimit1, 1, atS: 1)
        script.set(.upperLimit2, 1, atS: 1 + skewS)
        let events = script.run(untilS: 10)
        let failure = events.first(.limitSwitchFailure, .raised)
        #expect((failure != nil) == raised)
        if raised {
            #expect(failure?.data["case"] == .text("disagree"))
            #expect(failure?.data["switch"] == .text("upper_limit_2"))
            #expect(events.first(.limitSwitchFailure, .cleared) != nil)
        }
    }

    @Test func limitThatDoesNotCutHoisting() {
        var script = InputScript.crane(heightM: 17.8)
        script.move(fromS: 1, durationS: 1.0, speedMps: 0.4)
        script.set(.upperLimit1, 1, atS: 1.5)
        script.set(.upperLimit2, 1, atS: 1.5)
        let failure = script.run(untilS: 4).first(.limitSwitchFailure, .raised)
        #expect(failure?.data["case"] == .text("not_cut"))
    }

    @Test func limitThatCutsHoistingIsFine() {
        var script = InputScript.crane(heightM: 17.8)
        script.move(fromS: 1, durationS: 0.5, speedMps: 0.4)
        script.set(.upperLimit1, 1, atS: 1.45)
        script.set(.upperLimit2, 1, atS: 1.45)
        #expect(script.run(untilS: 4).first(.limitSwitchFailure, .raised) == nil)
    }

    private func windScript(mps: Double, forS: Double) -> InputScript {
        var script = InputScript.crane()
        let hz = mps / 0.7
        var t = 1.0
        while t < 1 + forS {
            script.set(.windPulse, 1, atS: t)
            script.set(.windPulse, 0, atS: t + 0.005)
            t += 1 / hz
        }
        return script
    }

    @Test func windJustBelowLimitIsQuiet() {
        #expect(windScript(mps: 19.5, forS: 30).run(untilS: 40).isEmpty)
    }

    @Test func highWindRaisedAndClearedAfterCalm() {
        let events = windScript(mps: 25, forS: 30).run(untilS: 120)
        #expect(events.transitions == ["high_wind raised", "high_wind cleared"])
        let at = events.seconds(.highWind, .raised)!
        #expect(at > 8.5 && at < 9.5)  // 25 m/s fills the 10 s average past 20 m/s after 8 s
        let cleared = events.seconds(.highWind, .cleared)!
        #expect(cleared >= at + 60 && cleared < at + 61)
    }
}
