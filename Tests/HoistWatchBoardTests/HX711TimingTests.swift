import HoistWatchBoard
import Testing

/// The timing validator against the datasheet's limits (Fig. 2: T1 >= 0.1 µs, T3 0.2...50 µs, T4 >= 0.2 µs;
/// Fig. 3: PD_SCK high over 60 µs powers down): just below, at, just above each limit.
@Suite struct HX711TimingTests {
    /// A read of `count` pulses of 1 µs high, 1 µs low, the first clock 1 µs after DOUT fell; `edit` changes it.
    static func timing(
        pulses count: Int = 25, _ edit: (inout HX711ReadTiming) -> Void = { _ in }
    )
        -> HX711ReadTiming
    {
        var pulses = (0..<count).map { _ in HX711PulseTiming(highNs: 1_000, lowNs: 1_000) }
        if count > 0 { pulses[count - 1].lowMinNs = nil }
        var timing = HX711ReadTiming(readyBeforeFirstClock: true, readyToFirstClockNs: 1_000, pulses: pulses)
        edit(&timing)
        return timing
    }

    @Test func aNominalReadHasNoViolation() {
        #expect(Self.timing().violation(for: .channelAGain128) == nil)
    }

    @Test(arguments: [
        (Int64(199), HX711ReadViolation.clockHighTooShort(pulse: 13, highNs: 199) as HX711ReadViolation?),
        (200, nil),  // T3 minimum
        (1_000, nil),  // typical
        (50_000, nil),  // T3 maximum
        (50_001, .clockHighTooLong(pulse: 13, highNs: 50_001)),
        (60_000, .clockHighTooLong(pulse: 13, highNs: 60_000)),  // out of spec, the chip still awake
        (60_001, .poweredDown(pulse: 13, highNs: 60_001)),  // over 60 µs: powered down
    ])
    func clockHighTime(highNs: Int64, expected: HX711ReadViolation?) {
        let timing = Self.timing {
            $0.pulses[12].highMinNs = highNs
            $0.pulses[12].highMaxNs = highNs
        }
        #expect(timing.violation(for: .channelAGain128) == expected)
    }

    @Test(arguments: [
        (Int64(199), HX711ReadViolation.clockLowTooShort(pulse: 4, lowNs: 199) as HX711ReadViolation?),
        (200, nil),  // T4 minimum
        (10_000_000, nil),  // no maximum for the low time (the chip simply waits)
    ])
    func clockLowTime(lowNs: Int64, expected: HX711ReadViolation?) {
        let timing = Self.timing { $0.pulses[3].lowMinNs = lowNs }
        #expect(timing.violation(for: .channelAGain128) == expected)
    }

    @Test(arguments: [
        (Int64(99), HX711ReadViolation.readyTooSoon(ns: 99) as HX711ReadViolation?),
        (100, nil),  // T1 minimum
    ])
    func readyToFirstClock(ns: Int64, expected: HX711ReadViolation?) {
        let timing = Self.timing { $0.readyToFirstClockNs = ns }
        #expect(timing.violation(for: .channelAGain128) == expected)
    }

    @Test func doutHighBeforeTheFirstClockMeansNotReady() {
        let timing = Self.timing(pulses: 0) { $0.readyBeforeFirstClock = false }
        #expect(timing.violation(for: .channelAGain128) == .notReady)
    }

    @Test func theLowTimeAfterTheLastPulseIsNotChecked() {
        let timing = Self.timing { $0.pulses[24].lowMinNs = 0 }
        #expect(timing.violation(for: .channelAGain128) == nil)
    }

    @Test(arguments: [
        (
            24, HX711Input.channelAGain128,
            HX711ReadViolation.wrongPulseCount(expected: 25, actual: 24)
                as HX711ReadViolation?
        ),
        (25, .channelAGain128, nil),
        (26, .channelAGain128, .wrongPulseCount(expected: 25, actual: 26)),
        (26, .channelBGain32, nil),
        (27, .channelAGain64, nil),
    ])
    func pulseCountSelectsTheNextInput(count: Int, input: HX711Input, expected: HX711ReadViolation?) {
        #expect(Self.timing(pulses: count).violation(for: input) == expected)
    }

    @Test func measuredBoundsAreCheckedOnTheSideThatCanBreakTheLimit() {
        // The shortest possible high time against the minimum...
        let short = Self.timing { $0.pulses[0] = HX711PulseTiming(highMinNs: 150, highMaxNs: 3_000, lowMinNs: 1_000) }
        #expect(short.violation(for: .channelAGain128) == .clockHighTooShort(pulse: 1, highNs: 150))
        // ...the longest against the maximum and the power-down time.
        let long = Self.timing { $0.pulses[5] = HX711PulseTiming(highMinNs: 1_000, highMaxNs: 61_000, lowMinNs: 1_000) }
        #expect(long.violation(for: .channelAGain128) == .poweredDown(pulse: 6, highNs: 61_000))
    }

    @Test func aPowerDownIsReportedBeforeAnEarlierSmallerViolation() {
        let timing = Self.timing {
            $0.pulses[1].highMinNs = 100
            $0.pulses[19].highMaxNs = 75_000
        }
        #expect(timing.violation(for: .channelAGain128) == .poweredDown(pulse: 20, highNs: 75_000))
    }

    @Test func theFirstViolationInTimeOrderOtherwise() {
        let timing = Self.timing {
            $0.pulses[2].lowMinNs = 50
            $0.pulses[7].highMaxNs = 55_000
        }
        #expect(timing.violation(for: .channelAGain128) == .clockLowTooShort(pulse: 3, lowNs: 50))
    }

    @Test func dataLevelsAfterThe24thPulseMustBeHigh() {
        let bits = HX711FrameTests.levels("0000_0001 1110_0010 0100_0000")
        let good = HX711Read(levels: bits + [true], timing: Self.timing())
        #expect(good.violation(for: .channelAGain128) == nil)
        #expect(good.frame?.raw == 123_456)
        let missed = HX711Read(levels: bits + [false], timing: Self.timing())
        #expect(missed.violation(for: .channelAGain128) == .doutLowAfterData)
        let short = HX711Read(levels: bits, timing: Self.timing())
        #expect(short.violation(for: .channelAGain128) == .wrongPulseCount(expected: 25, actual: 24))
    }

    @Test func violationsHaveStableReasonsAndSayWhatHappened() {
        #expect(HX711ReadViolation.poweredDown(pulse: 9, highNs: 80_000).reason == "power_down")
        #expect(
            "\(HX711ReadViolation.poweredDown(pulse: 9, highNs: 80_000))"
                == "pulse 9: clock high up to 80000 ns (over 60000 ns powers the chip down): it reset")
        #expect(HX711ReadViolation.clockHighTooLong(pulse: 1, highNs: 51_000).reason == "clock_high_too_long")
        #expect(HX711ReadViolation.notReady.reason == "not_ready")
    }
}
