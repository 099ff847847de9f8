import Testing

@testable import HoistWatchCore

/// `sensor_fault` with the cause `gpio_lost_edges`: the GPIO reader's doubtful edges (lost, late, possibly dropped)
/// reported to the engine. Trace time only: the engine is driven by hand, nothing sleeps.
@Suite struct GpioLostEdgesTests {
    static let s: Int64 = 1_000_000_000

    /// An engine on the elevator of `InputScript` at rest, with its mains and door contacts steady.
    static func engine() -> DetectionEngine {
        let script = InputScript.elevator()
        return DetectionEngine(
            calibration: script.calibration, header: script.header,
            stamper: .replay(deviceId: script.calibration.deviceId, seed: 7))
    }

    /// Notes `reports` (totals at a time) in order, then runs to `untilS`; returns the sensor_fault events.
    static func run(_ reports: [(atS: Double, totals: InputLossCounts)], untilS: Double) -> [Event] {
        var engine = engine()
        var events: [Event] = []
        for report in reports {
            engine.noteInputLoss(report.totals, atNs: InputScript.ns(report.atS), into: &events)
        }
        engine.advance(toNs: InputScript.ns(untilS), into: &events)
        return events.filter { $0.type == .sensorFault }
    }

    @Test func oneLostEdgeRaisesAtOnceAndClearsTenSecondsAfterTheCauseLapsed() throws {
        let events = Self.run([(2, InputLossCounts(lostEdges: 1, overflowsSuspected: 2, lateEdges: 3))], untilS: 40)
        #expect(events.transitions == ["sensor_fault raised", "sensor_fault cleared"])
        let raised = try #require(events.first(.sensorFault, .raised))
        #expect(raised.monoNs == 2 * Self.s)
        #expect(raised.data["causes"] == .texts(["gpio_lost_edges"]))
        #expect(raised.data["lost_edges"] == .integer(1))
        #expect(raised.data["overflows_suspected"] == .integer(2))
        #expect(raised.data["late_edges"] == .integer(3))
        // The cause holds for 10 s after the report (to 12 s); the fault clears when it has been absent 10 s more.
        let cleared = try #require(events.first(.sensorFault, .cleared))
        #expect(cleared.monoNs == 22 * Self.s)
        #expect(cleared.data["causes"] == .texts([]))
        #expect(cleared.data["lost_edges"] == .integer(1), "the totals are in the clear too")
    }

    @Test(arguments: [
        (11.99, true),  // the cause is still present just before 10 s have passed
        (12.0, false),  // and gone at 10 s
    ])
    func theCauseLastsTenSeconds(atS: Double, present: Bool) {
        var engine = Self.engine()
        var events: [Event] = []
        engine.noteInputLoss(InputLossCounts(lostEdges: 1), atNs: 2 * Self.s, into: &events)
        engine.advance(toNs: InputScript.ns(atS), into: &events)
        #expect(engine.signals.inputLossRecent == present)
        #expect(engine.active.contains { $0.type == .sensorFault })
    }

    @Test func noDoubtfulEdgeRaisesNothing() {
        // Reports without an increase: the reader's totals stay at zero, or repeat the last report.
        let events = Self.run(
            [
                (1, InputLossCounts()), (2, InputLossCounts()), (3, InputLossCounts()),
            ], untilS: 30)
        #expect(events.isEmpty)
        let repeated = Self.run([(1, InputLossCounts(lateEdges: 1)), (30, InputLossCounts(lateEdges: 1))], untilS: 60)
        #expect(
            repeated.transitions == ["sensor_fault raised", "sensor_fault cleared"], "only the first is an increase")
        #expect(repeated.first(.sensorFault, .cleared)?.monoNs == 21 * Self.s)
    }

    @Test func lossesWhileRaisedKeepOneFaultRaised() throws {
        let events = Self.run(
            [
                (2, InputLossCounts(lostEdges: 1)), (9, InputLossCounts(lostEdges: 2)),
                (15, InputLossCounts(lostEdges: 5)),
            ], untilS: 60)
        #expect(events.transitions == ["sensor_fault raised", "sensor_fault cleared"])
        #expect(events.first(.sensorFault, .cleared)?.monoNs == 35 * Self.s)
        #expect(events.first(.sensorFault, .cleared)?.data["lost_edges"] == .integer(5))
    }

    @Test func replaysAndTheSimulatedBoardCarryNoGpioFields() {
        // Without any report the sensor_fault data is what it always was.
        var script = InputScript.elevator()
        script.toggle(.doorClosed, count: 22, fromS: 1, periodS: 0.04, startLevel: 1)
        let raised = script.run(untilS: 5).first(.sensorFault, .raised)
        #expect(raised?.data["causes"] == .texts(["chatter"]))
        #expect(raised?.data["lost_edges"] == nil)
    }
}
