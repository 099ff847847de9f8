/// `stopped_outside_door_zone` (warning): not moving and outside a door zone for `outside_zone_stop_s`, whoever
/// is inside; cleared when moving or in a door zone for 1 s. Not raised in inspection mode.
public struct StoppedOutsideDoorZoneDetector: Sendable {
    private var machine: FaultMachine

    /// A detector with the calibration's `outside_zone_stop_s`.
    public init(calibration: Calibration) {
        machine = FaultMachine(confirmS: calibration.thresholds.outsideZoneStopS, clearS: 1)
    }

    /// When this detector could next change with its inputs as they are (its machine's running timer), trace ns.
    var deadlineNs: Int64? { machine.deadlineNs }

    /// Evaluates this tick's signals (the engine calls it every 10 ms of trace time) and returns the transition that
    /// happens now, if any, with the data that explains it; `inspection` (maintenance mode) holds off a raise.
    public mutating func evaluate(_ signals: SignalChain, inspection: Bool) -> DetectorAction {
        let outside = signals.level(.doorZone) == 0
        let stopped = !signals.isMoving
        return machine.action(
            raise: stopped && outside && !inspection, clear: !stopped || !outside, atNs: signals.nowNs
        ) {
            var data = EventData()
            data.set("door_zone", .flag(!outside))
            data.set("occupied", .flag(signals.occupied))
            signals.addPosition(to: &data)
            return data
        }
    }
}
