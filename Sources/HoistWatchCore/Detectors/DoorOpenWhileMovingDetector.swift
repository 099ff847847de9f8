/// `door_open_while_moving` (alarm): `door_closed` = 0 while moving outside a door zone for
/// `door_moving_confirm_ms`; cleared when the door is closed or the car stopped, for 1 s. Not raised in inspection.
public struct DoorOpenWhileMovingDetector: Sendable {
    private var machine: FaultMachine

    /// A detector with the calibration's `door_moving_confirm_ms`.
    public init(calibration: Calibration) {
        machine = FaultMachine(confirmS: calibration.thresholds.doorMovingConfirmMs / 1000, clearS: 1)
    }

    /// When this detector could next change with its inputs as they are (its machine's running timer), trace ns.
    var deadlineNs: Int64? { machine.deadlineNs }

    /// Evaluates this tick's signals (the engine calls it every 10 ms of trace time) and returns the transition that
    /// happens now, if any, with the data that explains it; `inspection` (maintenance mode) holds off a raise.
    public mutating func evaluate(_ signals: SignalChain, inspection: Bool) -> DetectorAction {
        let open = signals.level(.doorClosed) == 0
        let moving = signals.isMoving
        let outside = signals.level(.doorZone) == 0
        return machine.action(
            raise: open && moving && outside && !inspection, clear: !open || !moving, atNs: signals.nowNs
        ) {
            var data = EventData()
            data.set("speed_mps", signals.speedMps, decimals: 3)
            data.set("door_closed", .integer(Int64(signals.level(.doorClosed))))
            signals.addPosition(to: &data)
            return data
        }
    }
}
