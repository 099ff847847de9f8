import Testing

@testable import HoistWatchCore

/// Each elevator fault: not raised just below its threshold, raised at the right time above it, cleared.
@Suite struct ElevatorDetectorTests {
    @Test(arguments: [(2.0, false), (2.1, true), (3.0, true), (-2.1, true)])
    func overspeedRaisedOnlyAboveLimit(speedMps: Double, raised: Bool) {
        var script = InputScript.elevator(positionM: 3.2)
        script.move(fromS: 1, durationS: 1, speedMps: speedMps)
        let events = script.run(untilS: 5)
        #expect((events.first(.overspeed, .raised) != nil) == raised)
        if raised {
            // Confirm 200 ms after the 100 ms window fills with overspeed: raised ~1.3 s, cleared 1 s after stop.
            let at = events.seconds(.overspeed, .raised)!
            #expect(at > 1.15 && at < 1.4)
            let cleared = events.seconds(.overspeed, .cleared)!
            #expect(cleared > 2.9 && cleared < 3.2)
            #expect(events.first(.overspeed, .cleared)?.raisedId == events.first(.overspeed, .raised)?.id)
        }
    }

    @Test func overspeedShorterThanConfirmIsNotRaised() {
        var script = InputScript.elevator(positionM: 3.2)
        script.move(fromS: 1, durationS: 0.15, speedMps: 2.5)
        #expect(script.run(untilS: 5).first(.overspeed, .raised) == nil)
    }

    private func trappedScript(positionM: Double, inZone: Bool) -> InputScript {
        InputScript.elevator(positionM: positionM, levels: [.doorZone: inZone ? 1 : 0, .occupancy: 1])
    }

    @Test func trappedBetweenFloors() {
        let script = trappedScript(positionM: 1.6, inZone: false)
        #expect(script.run(untilS: 29.9).first(.trappedPassenger, .raised) == nil)
        var opened = script
        opened.set(.doorClosed, 0, atS: 40)
        let events = opened.run(untilS: 45)
        let raised = events.first(.trappedPassenger, .raised)
        #expect(raised?.data["case"] == .text("between_floors"))
        #expect(raised?.severity == .alarm)
        let at = events.seconds(.trappedPassenger, .raised)!
        #expect(at >= 30 && at < 30.1)
        let cleared = events.seconds(.trappedPassenger, .cleared)!
        #expect(cleared > 40 && cleared < 40.1)
    }

    @Test func trappedAtLandingTakesLongerAndClearsWhenEmpty() {
        var script = trappedScript(positionM: 3.2, inZone: true)
        #expect(script.run(untilS: 119.9).first(.trappedPassenger, .raised) == nil)
        script.set(.occupancy, 0, atS: 130)
        let events = script.run(untilS: 150)
        #expect(events.first(.trappedPassenger, .raised)?.data["case"] == .text("at_landing"))
        let at = events.seconds(.trappedPassenger, .raised)!
        #expect(at >= 120 && at < 120.1)
        // occupancy 0 for occupancy_hold_s (10 s) with the door closed.
        let cleared = events.seconds(.trappedPassenger, .cleared)!
        #expect(cleared >= 140 && cleared < 140.2)
    }

    @Test func alarmButtonAtLandingCountsAsBetweenFloors() {
        var script = trappedScript(positionM: 3.2, inZone: true)
        script.set(.alarmButton, 1, atS: 1)
        let events = script.run(untilS: 35)
        #expect(events.first(.trappedPassenger, .raised)?.data["case"] == .text("between_floors"))
    }

    @Test func occupancyFlickerShorterThanHoldDoesNotResetTheTimer() {
        var script = trappedScript(positionM: 1.6, inZone: false)
        script.set(.occupancy, 0, atS: 10)
        script.set(.occupancy, 1, atS: 15)
        let at = script.run(untilS: 40).seconds(.trappedPassenger, .raised)
        #expect(at != nil && at! < 30.1)
    }

    @Test func inspectionSuppressesTrappedAndEmitsInfoEvents() {
        var script = trappedScript(positionM: 1.6, inZone: false)
        script.set(.inspection, 1, atS: 1)
        script.set(.inspection, 0, atS: 100)
        let events = script.run(untilS: 101)
        #expect(events.first(.trappedPassenger, .raised) == nil)
        #expect(events.first(.stoppedOutsideDoorZone, .raised) == nil)
        #expect(events.first(.inspection, .raised)?.severity == .info)
        #expect(events.first(.inspection, .cleared)?.raisedId == events.first(.inspection, .raised)?.id)
    }

    @Test func stoppedOutsideDoorZone() {
        var script = InputScript.elevator(positionM: 1.6, levels: [.doorZone: 0])
        #expect(script.run(untilS: 44.9).first(.stoppedOutsideDoorZone, .raised) == nil)
        script.set(.doorZone, 1, atS: 50)
        let events = script.run(untilS: 55)
        #expect(events.first(.stoppedOutsideDoorZone, .raised)?.severity == .warning)
        let cleared = events.seconds(.stoppedOutsideDoorZone, .cleared)!
        #expect(cleared >= 51 && cleared < 51.1)
    }

    @Test(arguments: [(1099.0, false), (1120.0, true)])
    func overloadElevator(kg: Double, raised: Bool) {
        var script = InputScript.elevator(positionM: 0)
        script.load(kg: 0, fromS: 0, toS: 1)
        script.load(kg: kg, fromS: 1, toS: 6)
        script.load(kg: 990, fromS: 6, toS: 10)
        let events = script.run(untilS: 10)
        #expect((events.first(.overload, .raised) != nil) == raised)
        if raised {
            #expect(events.first(.overload, .raised)?.severity == .warning)
            let at = events.seconds(.overload, .raised)!
            #expect(at > 2.0 && at < 2.4)  // median settles after 3 samples, then 1 s confirm
            let cleared = events.seconds(.overload, .cleared)!
            #expect(cleared > 8.0 && cleared < 8.5)
        }
    }

    @Test(arguments: [(0.08, false), (0.3, true)])
    func doorOpenWhileMoving(openS: Double, raised: Bool) {
        var script = InputScript.elevator(positionM: 3.2, levels: [.doorZone: 0])
        script.move(fromS: 1, durationS: 2, speedMps: 1.0)
        script.set(.doorClosed, 0, atS: 2)
        script.set(.doorClosed, 1, atS: 2 + openS)
        let events = script.run(untilS: 6)
        #expect((events.first(.doorOpenWhileMoving, .raised) != nil) == raised)
        if raised {
            let at = events.seconds(.doorOpenWhileMoving, .raised)!
            #expect(at >= 2.12 && at < 2.2)
            let cleared = events.seconds(.doorOpenWhileMoving, .cleared)!
            #expect(cleared >= 3.3 && cleared < 3.4)
        }
    }

    @Test(arguments: [(0.19, false), (0.25, true)])
    func overtravelTop(beyondM: Double, raised: Bool) {
        var script = InputScript.elevator(positionM: 12.8, levels: [.doorZone: 0, .topLimit: 1])
        script.move(fromS: 1, durationS: beyondM / 0.5, speedMps: 0.5)
        script.move(fromS: 3, durationS: beyondM / 0.5, speedMps: -0.5)
        let events = script.run(untilS: 8)
        #expect((events.first(.overtravelTop, .raised) != nil) == raised)
        #expect(events.first(.limitSwitchFailure, .raised) == nil)
        if raised {
            #expect(events.first(.overtravelTop, .raised)?.severity == .alarm)
            #expect(events.first(.overtravelTop, .cleared) != nil)
        }
    }

    @Test func overtravelBottom() {
        var script = InputScript.elevator(positionM: 0, levels: [.doorZone: 0, .bottomLimit: 1])
        script.move(fromS: 1, durationS: 0.6, speedMps: -0.5)
        script.move(fromS: 3, durationS: 0.6, speedMps: 0.5)
        let events = script.run(untilS: 8)
        #expect(events.transitions.contains("overtravel_bottom raised"))
        #expect(events.transitions.contains("overtravel_bottom cleared"))
    }

    @Test(arguments: [(true, false), (false, true)])
    func topLimitNotActuated(switchWorks: Bool, raised: Bool) {
        var script = InputScript.elevator(positionM: 12.8, levels: [.doorZone: 0])
        script.move(fromS: 1, durationS: 0.3, speedMps: 0.5)  // 0.15 m beyond the top landing
        if switchWorks { script.set(.topLimit, 1, atS: 1.1) }
        script.load(kg: 0, fromS: 0, toS: 3)
        let events = script.run(untilS: 3)
        let failure = events.first(.limitSwitchFailure, .raised)
        #expect((failure != nil) == raised)
        if raised {
            #expect(failure?.data["switch"] == .text("top_limit"))
            #expect(failure?.data["case"] == .text("not_actuated"))
        }
    }

    @Test(arguments: [(0.9, false), (3.0, true)])
    func bottomLimitStuck(heldS: Double, raised: Bool) {
        var script = InputScript.elevator(positionM: 6.4)
        script.set(.bottomLimit, 1, atS: 1)
        script.set(.bottomLimit, 0, atS: 1 + heldS)
        let events = script.run(untilS: 12)
        #expect((events.first(.limitSwitchFailure, .raised) != nil) == raised)
        if raised {
            #expect(events.first(.limitSwitchFailure, .raised)?.data["case"] == .text("stuck"))
            let cleared = events.seconds(.limitSwitchFailure, .cleared)!
            #expect(cleared >= 4 + 5 && cleared < 4 + 5.1)
        }
    }

    @Test(arguments: [(1.9, false), (2.5, true)])
    func powerFailure(outageS: Double, raised: Bool) {
        var script = InputScript.elevator()
        script.set(.mainsOk, 0, atS: 1)
        script.set(.mainsOk, 1, atS: 1 + outageS)
        let events = script.run(untilS: 10)
        #expect((events.first(.powerFailure, .raised) != nil) == raised)
        if raised {
            #expect(events.seconds(.powerFailure, .raised)! >= 3.0)
            let cleared = events.seconds(.powerFailure, .cleared)!
            #expect(cleared >= 1 + outageS + 5 && cleared < 1 + outageS + 5.1)
        }
    }

    @Test(arguments: [(0.9, false), (1.5, true)])
    func alarmButton(pressS: Double, raised: Bool) {
        var script = InputScript.elevator()
        script.set(.alarmButton, 1, atS: 1)
        script.set(.alarmButton, 0, atS: 1 + pressS)
        let events = script.run(untilS: 10)
        #expect((events.first(.alarmButton, .raised) != nil) == raised)
        if raised { #expect(events.seconds(.alarmButton, .cleared)! >= 1 + pressS + 5) }
    }

    @Test func everyClearNamesItsRaise() {
        var script = InputScript.elevator()
        script.set(.mainsOk, 0, atS: 1)
        script.set(.mainsOk, 1, atS: 5)
        let events = script.run(untilS: 12)
        let cleared = events.first(.powerFailure, .cleared)!
        #expect(cleared.raisedId == events.first(.powerFailure, .raised)!.id)
        #expect(cleared.durationS! > 6.9 && cleared.durationS! < 7.1)
        #expect(events.map(\.seq) == Array(1...Int64(events.count)).map(Optional.some))
    }
}
