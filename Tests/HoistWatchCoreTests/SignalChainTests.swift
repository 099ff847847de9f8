import Testing

@testable import HoistWatchCore

@Suite struct SignalChainTests {
    @Test func debounceIgnoresGlitchesShorterThanDebounceTime() {
        var debouncer = Debouncer(initialLevel: 1, debounceNs: 20_000_000)
        _ = debouncer.observe(0, atNs: 1_000_000_000)
        do {
            let result = debouncer.settle(atNs: 1_015_000_000)
            #expect((result == nil))
        }
        _ = debouncer.observe(1, atNs: 1_015_000_000)
        do {
            let result = debouncer.settle(atNs: 1_100_000_000)
            #expect((result == nil))
        }
        #expect(debouncer.level == 1)
        _ = debouncer.observe(0, atNs: 2_000_000_000)
        do {
            let result = debouncer.settle(atNs: 2_019_000_000)
            #expect((result == nil))
        }
        do {
            let result = debouncer.settle(atNs: 2_020_000_000)
            #expect((result == 0))
        }
    }

    @Test func quadratureCountsUpWhenALeadsB() {
        var decoder = QuadratureDecoder(initialA: 0, initialB: 0)
        let up: [(Bool, UInt8)] = [(true, 1), (false, 1), (true, 0), (false, 0)]
        for (index, (isA, level)) in (up + up).enumerated() {
            let accepted = decoder.edge(isA: isA, level: level, atNs: Int64(index) * 1000)
            #expect(accepted)
        }
        #expect(decoder.count == 8)
        let down: [(Bool, UInt8)] = [(false, 1), (true, 1), (false, 0), (true, 0)]
        for (index, (isA, level)) in down.enumerated() {
            let accepted = decoder.edge(isA: isA, level: level, atNs: 100_000 + Int64(index) * 1000)
            #expect(accepted)
        }
        #expect(decoder.count == 4)
        #expect(decoder.errorCount == 0)
    }

    @Test func quadratureErrorsOnSimultaneousChangeAndLostEdge() {
        var decoder = QuadratureDecoder(initialA: 0, initialB: 0)
        do {
            let result = decoder.edge(isA: true, level: 1, atNs: 10)
            #expect(result)
        }
        do {
            let result = decoder.edge(isA: false, level: 1, atNs: 10)
            #expect(!result)
        }  // both lines at the same instant
        #expect(decoder.count == 0)
        do {
            let result = decoder.edge(isA: true, level: 1, atNs: 20)
            #expect(!result)
        }  // no change: the falling edge was lost
        #expect(decoder.errorCount == 2)
    }

    @Test func positionReReferencesAtDoorZoneAndSpeedIsSigned() {
        var script = InputScript.elevator(positionM: 0, levels: [.doorZone: 0])
        script.move(fromS: 1, durationS: 2, speedMps: 3.15 / 2)  // 5 cm short of the 3.2 m landing
        script.set(.doorZone, 1, atS: 2.9)
        var engine = DetectionEngine(
            calibration: script.calibration, header: script.header,
            stamper: .replay(deviceId: "x", seed: 1))
        var out: [Event] = []
        var sawSpeed = 0.0
        for event in script.sortedEvents() {
            engine.process(event, into: &out)
            sawSpeed = max(sawSpeed, engine.signals.speedMps)
        }
        #expect(abs(sawSpeed - 1.575) < 0.05)
        engine.advance(toNs: 5_000_000_000, into: &out)
        #expect(abs(engine.signals.positionM - 3.2) < 1e-9)
        #expect(abs(engine.signals.lastCorrectionM - 0.05) < 1e-3)
        #expect(out.isEmpty)  // 5 cm is within position_slip_m: no sensor fault
        #expect(engine.counters.trips == 1)
        #expect(abs(engine.counters.travelledM - 3.15) < 0.02)
    }

    @Test func unreferencedStartGetsReferencedAtFirstDoorZoneWithoutSlipFault() {
        var script = InputScript.elevator(positionM: 0, levels: [.doorZone: 1])
        script.header.initialPositionM = nil
        let events = script.run(untilS: 3)
        #expect(events.isEmpty)
    }

    @Test func windAveragesOverTenAndSixtySeconds() {
        var meter = WindMeter(mpsPerHz: 0.5)
        for index in 0..<400 { meter.pulse(atNs: Int64(index) * 25_000_000) }  // 40 Hz for 10 s
        meter.advance(toNs: 9_990_000_000)
        #expect(abs(meter.average10sMps - 20) < 0.2)
        #expect(abs(meter.average60sMps - 20.0 / 6) < 0.1)
        meter.advance(toNs: 25_000_000_000)
        #expect(meter.average10sMps == 0)
    }

    @Test func loadIsTheMedianOfTheLastSamples() {
        var filter = LoadFilter(rawZero: 1000, rawPerKg: 10, medianSamples: 5)
        for raw: Int32 in [2000, 2010, 9000, 1990, 2000] { filter.sample(raw: raw, atNs: 0) }
        #expect(filter.loadKg == 100)  // the 9000 spike is ignored
        filter.sample(raw: nil, atNs: 100)
        #expect(filter.failingSinceNs == 100)
        #expect(filter.loadKg == 100)
    }
}
