/// `stopped_outside_door_zone` (warning): not moving and outside a door zone for `outside_zone_stop_s`, whoever
/// is inside; cleared when moving or in a door zone for 1 s. Not raised in inspection mode.
public struct StoppedOutsideDoorZoneDetector: Sendable {
    private var machine: FaultMachine

    public init(calibration: Calibration) {
        machine = FaultMachine(confirmS: calibration.thresholds.outsideZoneStopS, clearS: 1)
    }

    public mutating func evaluate(_ signals: SignalChain, inspection: Bool) -> DetectorAction {
        let outside = signals.level(.doorZone) == 0
        let stopped = !signals.isMoving
        return machine.action(raise: stopped && outside && !inspection, clear: !stopped || !outside, atNs: signals.nowNs) {
            var data = EventData()
            data.set("door_zone", .flag(!outside))
            data.set("occupied", .flag(signals.occupied))
            signals.addPosition(to: &data)
            return data
        }
    }
}
