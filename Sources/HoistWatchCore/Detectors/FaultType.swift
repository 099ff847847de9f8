/// Every event type of faults.md, with its severity. The raw value is the payload's `type`.
public enum FaultType: String, Sendable, Hashable, CaseIterable {
    case overspeed
    case trappedPassenger = "trapped_passenger"
    case stoppedOutsideDoorZone = "stopped_outside_door_zone"
    case overload
    case overloadPrewarning = "overload_prewarning"
    case doorOpenWhileMoving = "door_open_while_moving"
    case overtravelTop = "overtravel_top"
    case overtravelBottom = "overtravel_bottom"
    case limitSwitchFailure = "limit_switch_failure"
    case powerFailure = "power_failure"
    case alarmButton = "alarm_button"
    case sensorFault = "sensor_fault"
    case highWind = "high_wind"
    /// The agent's store failed (full, read-only, I/O error) or returned an entry that failed its checksum: raised by
    /// the agent from what its outbox reports (`StorageFaultDetector`), never by the input detectors.
    case storageFault = "storage_fault"
    case inspection

    /// `alarm`: someone may be hurt or trapped now; `warning`: unsafe trend or defect; `info`: worth recording.
    public func severity(for equipment: Equipment) -> Severity {
        switch self {
        case .overspeed, .trappedPassenger, .doorOpenWhileMoving, .overtravelTop, .overtravelBottom,
            .limitSwitchFailure:
            return .alarm
        case .overload:
            return equipment == .crane ? .alarm : .warning
        case .stoppedOutsideDoorZone, .overloadPrewarning, .powerFailure, .alarmButton, .sensorFault, .highWind,
            .storageFault:
            return .warning
        case .inspection:
            return .info
        }
    }
}

/// How urgent an event is (mqtt.md); also the outbox's priority class.
public enum Severity: String, Sendable, Hashable, CaseIterable, Comparable {
    case alarm, warning, info

    private var rank: Int {
        switch self {
        case .alarm: return 0
        case .warning: return 1
        case .info: return 2
        }
    }

    /// Orders by urgency: `alarm` before `warning` before `info`, so sorting puts the most urgent first.
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// A fault's two transitions.
public enum Transition: String, Sendable, Hashable {
    case raised, cleared
}
