import HoistWatchBoard
import HoistWatchCore
import Testing

/// The HX711 reader's rest between conversions (`HX711ConversionPacing`), and the bit-banged read sleeping through
/// most of each period instead of polling DOUT every millisecond, against the scripted chip at 10 SPS.
@Suite struct HX711ConversionPacingTests {
    @Test func nothingIsAssumedBeforeTwoConversionsWereSeen() {
        var pacing = HX711ConversionPacing()
        #expect(pacing.quietUntilNs == nil)
        pacing.noteReady(atNs: 5_000_000)
        #expect(pacing.quietUntilNs == nil && pacing.periodNs == nil)
        pacing.noteReady(atNs: 105_000_000)
        // 95 % of 100 ms, less the 2 ms lead, after the last conversion.
        #expect(pacing.periodNs == 100_000_000)
        #expect(pacing.quietUntilNs == Int64(105_000_000 + 93_000_000))
    }

    @Test func theShortestIntervalIsThePeriodAndImplausibleOnesAreIgnored() {
        var pacing = HX711ConversionPacing()
        // 80 SPS with one read late by 0.6 ms (the next interval looks shorter), then a missed conversion (25 ms).
        for atNs: Int64 in [0, 12_500_000, 25_600_000, 37_500_000, 62_500_000] { pacing.noteReady(atNs: atNs) }
        #expect(pacing.periodNs == 11_900_000)
        #expect(pacing.quietUntilNs == Int64(62_500_000 + 11_900_000 - 595_000 - 2_000_000))
        // A pause of a second (the thread was stopped) is no period: still 11.9 ms.
        pacing.noteReady(atNs: 1_062_500_000)
        #expect(pacing.periodNs == 11_900_000)
        // Intervals under 8 ms are no HX711 rate: ignored.
        pacing.noteReady(atNs: 1_066_000_000)
        #expect(pacing.periodNs == 11_900_000)
    }

    @Test func onlyTheLastWindowOfIntervalsCounts() {
        var pacing = HX711ConversionPacing()
        pacing.noteReady(atNs: 0)
        pacing.noteReady(atNs: 12_500_000)  // 80 SPS once, then 10 SPS (the RATE pin changed)
        var atNs: Int64 = 12_500_000
        for _ in 0..<HX711ConversionPacing.window {
            atNs += 100_000_000
            pacing.noteReady(atNs: atNs)
        }
        #expect(pacing.periodNs == 100_000_000)
    }

    @Test func aResetOrAMissingChipForgetsTheCadence() {
        var pacing = HX711ConversionPacing()
        pacing.noteReady(atNs: 0)
        pacing.noteReady(atNs: 100_000_000)
        #expect(pacing.quietUntilNs != nil)
        pacing.forget()
        #expect(pacing.quietUntilNs == nil && pacing.periodNs == nil)
    }

    /// Ten conversions at 10 SPS (the model's next conversion is ready a period after the last read ended): after
    /// the first two, each wait is one pause and a few polls (at most 8 ms of them), not a poll every millisecond of
    /// the 100 ms; every code still read, each stamped within one poll of its conversion.
    @Test func theReaderSleepsThroughMostOfEachPeriod() {
        let codes: [UInt32] = (1...10).map { UInt32($0 * 100) }
        let chip = ScriptedHX711(conversions: codes, firstReadyNs: 5_000_000)
        var driver = HX711BitBang()
        var reader = HX711Reader()
        var pauses: [Int64] = []
        var idles = 0
        var samples: [InputEvent] = []
        for _ in codes {
            let idlesBefore = idles
            let event = driver.sample(
                chip.port, reader: &reader,
                idle: {
                    idles += 1
                    chip.idle()
                },
                pause: { ns in
                    pauses.append(ns)
                    chip.advance(byNs: ns)
                })
            samples.append(event)
            if samples.count > 2 { #expect(idles - idlesBefore <= 8, "polls before conversion \(samples.count)") }
        }
        #expect(samples.map(\.raw) == codes.map { Int32($0) })
        #expect(pauses.count == codes.count - 2, "one pause per wait once the period is known: \(pauses)")
        #expect(samples[0].tNs >= 5_000_000 && samples[0].tNs < 6_100_000)
        for (previous, event) in zip(samples, samples.dropFirst()) {
            // A period after the read (about 0.1 ms) ended, seen within one 1 ms poll.
            let intervalNs = event.tNs - previous.tNs
            #expect(intervalNs > 100_000_000 && intervalNs < 101_300_000, "interval \(intervalNs) ns")
        }
        #expect(driver.pacing.periodNs.map { $0 > 100_000_000 && $0 < 101_300_000 } == true)
    }

    /// Without a pause (tests, or a caller that wants it) the rest is made of idles: the same reads and stamps.
    @Test func withoutAPauseTheRestIsIdles() {
        let codes: [UInt32] = [10, 20, 30, 40]
        let chip = ScriptedHX711(conversions: codes, firstReadyNs: 5_000_000)
        var driver = HX711BitBang()
        var reader = HX711Reader()
        let raws = codes.map { _ in driver.sample(chip.port, reader: &reader, idle: chip.idle).raw }
        #expect(raws == [10, 20, 30, 40])
    }
}
