import HoistWatchBoard
import HoistWatchCore
import Testing

/// `GpioChipCheck` against the fake board: the I/O half of checking a profile.
@Suite struct GpioChipCheckTests {
    @Test func aProfileWhoseChipsAreHereHasNoProblems() throws {
        let rig = FakeRig()
        #expect(GpioChipCheck.problems(try rig.shipped("raspberry-pi-4"), source: rig.board.source) == [])
        #expect(rig.board.openChips == 0)
        #expect(rig.board.requestedLines == 0, "checking requests nothing")
    }

    @Test func aLineBeyondTheChipIsAProblem() {
        let rig = FakeRig(lineCount: 28)
        var profile = rig.profile
        profile.inputs[.doorZone] = rig.line(40)
        let problems = GpioChipCheck.problems(profile, source: rig.board.source)
        #expect(
            problems == [
                InputError(
                    .invalidValue, key: "inputs.door_zone.line",
                    "line 40 is beyond gpiochip-\(rig.label) \"\(rig.label)\", which has 28 lines (0 to 27)")
            ])
    }

    @Test func aMissingChipIsAProblemThatListsTheChipsThereAre() {
        let rig = FakeRig()
        var profile = rig.profile
        profile.loadCell = .gpio(chip: .label("pinctrl-rp1-absent"), doutLine: 9, sckLine: 10)
        let problems = GpioChipCheck.problems(profile, source: rig.board.source)
        #expect(problems.map(\.key) == ["hx711.chip"])
        #expect(problems.first?.message.contains("no GPIO chip is labelled \"pinctrl-rp1-absent\"") == true)
        #expect(problems.first?.message.contains("\"\(rig.label)\" (58 lines)") == true)
    }
}
