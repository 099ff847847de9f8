import Testing

@testable import HoistWatchCore

@Suite struct SensorFaultTests {
    @Test(arguments: [(20, false), (22, true)])
    func chatter(changes: Int, raised: Bool) {
        var script = InputScript.elevator()
        script.toggle(.doorClosed, count: changes, fromS: 1, periodS: 0.04, startLevel: 1)
        let events = script.run(untilS: 20)
        #expect((events.first(.sensorFault, .raised) != nil) == raised)
        if raised {
            let raisedEvent = events.first(.sensorFault, .raised)!
            #expect(raisedEvent.data["causes"] == .texts(["chatter"]))
            #expect(raisedEvent.data["inputs"] == .texts(["door_closed"]))
            let cleared = events.seconds(.sensorFault, .cleared)!
            #expect(cleared > 11.8 && cleared < 12.1)
        }
    }

    @Test func chatterIsDebouncedForOtherDetectors() {
        var script = InputScript.elevator()
        script.toggle(.mainsOk, count: 30, fromS: 1, periodS: 0.01, startLevel: 1)
        #expect(script.run(untilS: 10).first(.powerFailure, .raised) == nil)
    }

    @Test(arguments: [(0.8, false), (1.3, true)])
    func adcFailing(failS: Double, raised: Bool) {
        var script = InputScript.elevator()
        script.load(kg: 100, fromS: 0, toS: 1)
        script.failedReads(fromS: 1, toS: 1 + failS)
        script.load(kg: 100, fromS: 1 + failS, toS: 20)
        let events = script.run(untilS: 20)
        #expect((events.first(.sensorFault, .raised) != nil) == raised)
        if raised { #expect(events.first(.sensorFault, .raised)?.data["causes"] == .texts(["adc_failing"])) }
    }

    @Test(arguments: [(10, false), (12, true)])
    func encoderErrors(glitches: Int, raised: Bool) {
        var script = InputScript.elevator()
        for index in 0..<glitches {
            // A and B changing at the same instant: an impossible quadrature transition.
            let t = 1 + Double(index) * 0.05
            let level: UInt8 = index % 2 == 0 ? 1 : 0
            script.set(.encA, level, atS: t)
            script.set(.encB, level, atS: t)
        }
        let events = script.run(untilS: 15)
        #expect((events.first(.sensorFault, .raised) != nil) == raised)
        if raised { #expect(events.first(.sensorFault, .raised)?.data["causes"] == .texts(["encoder_errors"])) }
    }

    @Test(arguments: [(0.08, false), (0.13, true)])
    func encoderSlipFoundAtDoorZone(driftM: Double, raised: Bool) {
        // The encoder loses counts: the car really arrives at 3.2 m but counts say 3.2 - drift.
        var script = InputScript.elevator(positionM: 0, levels: [.doorZone: 0])
        script.move(fromS: 1, durationS: 2, speedMps: (3.2 - driftM) / 2)
        script.set(.doorZone, 1, atS: 2.9)
        let events = script.run(untilS: 20)
        #expect((events.first(.sensorFault, .raised) != nil) == raised)
        if raised {
            let raisedEvent = events.first(.sensorFault, .raised)!
            #expect(raisedEvent.data["causes"] == .texts(["encoder_slip"]))
            #expect(events.first(.sensorFault, .cleared) != nil)
        }
    }
}
