import Testing

@testable import HoistWatchCore

/// The pure parts of the calibration wizards: door-zone marks, floor learning, settling, and the load fit (the file
/// edit is HoistWatchConfigTests' `TOMLTextEditTests`).
@Suite struct CalibrationWizardTests {
    static let cpm = 4000.0

    static func mark(_ level: UInt8, _ metres: Double) -> DoorZoneMark {
        DoorZoneMark(level: level, encoderCount: Int64((metres * cpm).rounded()), tNs: 0)
    }

    // MARK: signal chain

    @Test func doorZoneMarksCarryTheEncoderCountOfTheRawEdgeNotOfTheDebounce() {
        var script = InputScript.elevator(positionM: 0, levels: [.doorZone: 1])
        script.move(fromS: 1, durationS: 2, speedMps: 1)  // 0 -> 2 m
        script.set(.doorZone, 0, atS: 1.15)  // the zone is left at 0.15 m
        var engine = DetectionEngine(
            calibration: script.calibration, header: script.header,
            stamper: .replay(deviceId: "x", seed: 1))
        var out: [Event] = []
        for event in script.sortedEvents() { engine.process(event, into: &out) }
        engine.advance(toNs: 4_000_000_000, into: &out)
        #expect(engine.signals.doorZoneMarkCount == 1)
        let mark = try! #require(engine.signals.lastDoorZoneMark)
        #expect(mark.level == 0)
        let cpm = script.calibration.countsPerMeter
        #expect(abs(Double(mark.encoderCount) / cpm - 0.15) < 0.002)
        #expect(mark.tNs == 1_150_000_000)
        #expect(abs(Double(engine.signals.encoderCount) / cpm - 2) < 0.002)
    }

    @Test func rawLoadMedianInvertsTheCalibration() {
        var script = InputScript.elevator()
        script.load(kg: 250, fromS: 0, toS: 1)
        var engine = DetectionEngine(
            calibration: script.calibration, header: script.header,
            stamper: .replay(deviceId: "x", seed: 1))
        var out: [Event] = []
        for event in script.sortedEvents() { engine.process(event, into: &out) }
        let expected = script.calibration.loadRawZero + 250 * script.calibration.loadRawPerKg
        #expect(abs((engine.signals.loadRawMedian ?? 0) - expected) <= 1)  // raw samples are whole counts
    }

    // MARK: floors

    @Test func learnsLevelsFromZoneCentresAndMeasuresTheZoneLength() throws {
        // Truth: landings at 0, 3.3, 6.45, 9.7 m; zones +-0.12 m (the calibration says 0.15).
        let truth = [0.0, 3.3, 6.45, 9.7]
        var learning = FloorLearning(startCount: 40, countsPerMeter: Self.cpm, nominalZoneHalfM: 0.15)
        try learning.add(Self.mark(0, 0.12))
        for level in truth.dropFirst().dropLast() {
            try learning.add(Self.mark(1, level - 0.12))
            try learning.add(Self.mark(0, level + 0.12))
        }
        try learning.add(Self.mark(1, 9.7 - 0.12))
        #expect(learning.landingsSeen == 4)
        let result = try learning.result(endCount: Int64(9.705 * Self.cpm))
        #expect(result.levelsM == truth)
        #expect(result.measuredZoneHalfM == 0.12)
        #expect(abs(result.startOffsetM - 0.01) < 1e-9)
        #expect(abs(result.endOffsetM - 0.005) < 1e-9)
    }

    @Test func twoLandingsUseTheNominalZoneLength() throws {
        var learning = FloorLearning(startCount: 0, countsPerMeter: Self.cpm, nominalZoneHalfM: 0.15)
        try learning.add(Self.mark(0, 0.15))
        try learning.add(Self.mark(1, 3.05))
        let result = try learning.result(endCount: Int64(3.2 * Self.cpm))
        #expect(result.levelsM == [0, 3.2])
        #expect(result.measuredZoneHalfM == nil)
    }

    @Test func aFlickerAtAZoneEdgeIsNotALanding() throws {
        var learning = FloorLearning(startCount: 0, countsPerMeter: Self.cpm, nominalZoneHalfM: 0.15)
        try learning.add(Self.mark(0, 0.15))
        try learning.add(Self.mark(1, 0.155))  // 5 mm bounce as the sensor leaves the vane
        try learning.add(Self.mark(0, 0.16))
        try learning.add(Self.mark(1, 3.05))
        #expect(learning.landingsSeen == 2)
        let result = try learning.result(endCount: Int64(3.2 * Self.cpm))
        #expect(result.levelsM.count == 2)
    }

    @Test func refusesARunThatGoesDownOrEndsOutsideAZone() {
        var down = FloorLearning(startCount: 0, countsPerMeter: Self.cpm, nominalZoneHalfM: 0.15)
        #expect(throws: FloorLearning.Problem.self) { try down.add(Self.mark(0, -0.15)) }

        var outside = FloorLearning(startCount: 0, countsPerMeter: Self.cpm, nominalZoneHalfM: 0.15)
        try? outside.add(Self.mark(0, 0.15))
        #expect(throws: FloorLearning.Problem.self) { try outside.result(endCount: 10_000) }

        let onlyBottom = FloorLearning(startCount: 0, countsPerMeter: Self.cpm, nominalZoneHalfM: 0.15)
        #expect(throws: FloorLearning.Problem.self) { try onlyBottom.result(endCount: 0) }
        _ = onlyBottom.insideZone
    }

    // MARK: load

    @Test func settlesOnlyWhenTheWholeWindowIsWithinTolerance() {
        var reading = SettledReading(windowNs: 2_000_000_000, tolerance: 10)
        for index in 0..<10 { reading.add(84000 + Double(index % 2) * 4, atNs: Int64(index) * 100_000_000) }
        #expect(reading.settledValue == nil)  // 0.9 s of a 2 s window
        for index in 10..<21 { reading.add(84000 + Double(index % 2) * 4, atNs: Int64(index) * 100_000_000) }
        #expect(abs((reading.settledValue ?? 0) - 84002) < 0.2)
        reading.add(84020, atNs: 2_100_000_000)  // someone steps in: 20 counts > tolerance
        #expect(reading.settledValue == nil)
        #expect(reading.spread == 20)
    }

    @Test func fitsTareAndSpan() throws {
        let span = try LoadSpan.fit(emptyRaw: 84123.4, loadedRaw: 84123.4 + 500 * 21.37, testKg: 500, noise: 8)
        #expect(span.rawZero == 84123)
        #expect(span.rawPerKg == 21.37)
        let negative = try LoadSpan.fit(emptyRaw: 1000, loadedRaw: 1000 - 2000, testKg: 1000, noise: 3)
        #expect(negative.rawPerKg == -2)
    }

    @Test func refusesASpanLostInTheNoiseOrAZeroWeight() {
        #expect(throws: LoadSpan.Problem.self) {
            try LoadSpan.fit(emptyRaw: 1000, loadedRaw: 1100, testKg: 500, noise: 10)
        }
        #expect(throws: LoadSpan.Problem.self) {
            try LoadSpan.fit(emptyRaw: 1000, loadedRaw: 9000, testKg: 0, noise: 1)
        }
    }
}

@Suite struct FixedPointTests {
    @Test func formatsLikePrintf() {
        #expect(FixedPoint.format(3.14159, decimals: 2) == "3.14")
        #expect(FixedPoint.format(-0.004, decimals: 2) == "0.00")
        #expect(FixedPoint.format(-2.5, decimals: 3, sign: true) == "-2.500")
        #expect(FixedPoint.format(0.25, decimals: 3, sign: true) == "+0.250")
        #expect(FixedPoint.format(0.05, decimals: 1) == "0.1")
        #expect(FixedPoint.format(12.8, decimals: 3, width: 9) == "   12.800")
        #expect(FixedPoint.format(84123.4, decimals: 0) == "84123")
        #expect(FixedPoint.format(7, decimals: 0, width: 7) == "      7")
    }

    /// A number with more digits than a UInt64 holds went through `Int(_:)` and trapped (1e19 and up): found while
    /// writing `make fuzz`'s diag target, whose screen shows numbers another process sent.
    @Test func numbersBeyondAUInt64AreShownInSwiftsFormNotConverted() {
        #expect(FixedPoint.format(1e20, decimals: 2) == "1e+20")
        #expect(FixedPoint.format(-1e300, decimals: 1) == "-1e+300")
        #expect(FixedPoint.format(1e19, decimals: 0, sign: true, width: 8) == "  +1e+19")
        #expect(FixedPoint.format(.greatestFiniteMagnitude, decimals: 2) == "1.7976931348623157e+308")
        #expect(FixedPoint.format(8.9e15, decimals: 2) == "8900000000000000.00")
    }
}
