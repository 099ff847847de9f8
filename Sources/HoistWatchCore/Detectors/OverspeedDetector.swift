/// `overspeed` (alarm): |speed| above `overspeed_ratio` x rated for `overspeed_confirm_ms`; cleared at or below
/// rated speed for 1 s. Elevator car speed or crane hoist speed.
public struct OverspeedDetector: Sendable {
    private var machine: FaultMachine
    private let ratedMps: Double
    private let limitMps: Double
    private let ratedKey: String

    /// A detector with the calibration's rated speed, `overspeed_ratio` and `overspeed_confirm_ms`.
    public init(calibration: Calibration) {
        let thresholds = calibration.thresholds
        ratedMps = calibration.ratedSpeedMps
        limitMps = thresholds.overspeedRatio * ratedMps
        ratedKey = calibration.equipment == .elevator ? "rated_speed_mps" : "rated_hoist_speed_mps"
        machine = FaultMachine(confirmS: thresholds.overspeedConfirmMs / 1000, clearS: 1)
    }

    /// When this detector could next change with its inputs as they are (its machine's running timer), trace ns.
    var deadlineNs: Int64? { machine.deadlineNs }

    /// Evaluates this tick's signals (the engine calls it every 10 ms of trace time) and returns the transition that
    /// happens now, if any, with the data that explains it.
    public mutating func evaluate(_ signals: SignalChain) -> DetectorAction {
        let speed = signals.speedMps
        return machine.action(raise: abs(speed) > limitMps, clear: abs(speed) <= ratedMps, atNs: signals.nowNs) {
            var data = EventData()
            data.set("speed_mps", speed, decimals: 3)
            data.set(ratedKey, .number(ratedMps))
            data.set("limit_mps", limitMps, decimals: 3)
            data.set("direction", .text(speed >= 0 ? "up" : "down"))
            signals.addPosition(to: &data)
            return data
        }
    }
}

extension SignalChain {
    /// Adds `position_m` (when referenced) and, for elevators, the nearest `floor` (1-based landing number).
    func addPosition(to data: inout EventData) {
        data.set("position_m", positionM, decimals: 3)
        data.set("position_referenced", .flag(referenced))
        if calibration.equipment == .elevator, let landing = nearestLanding {
            data.set("floor", .integer(Int64(landing.index + 1)))
        }
    }
}
