/// A logical digital input of trace.md. Board profiles map pins to these; calibration never names pins.
public enum InputName: UInt8, Sendable, Hashable, CaseIterable, Comparable {
    case encA, encB, doorClosed, doorZone, occupancy, topLimit, bottomLimit, alarmButton, inspection, mainsOk
    case hoistUpCmd, hoistDownCmd, upperLimit1, upperLimit2, lowerLimit, windPulse

    /// The name used in traces, calibration and payloads.
    public var wireName: String {
        switch self {
        case .encA: return "enc_a"
        case .encB: return "enc_b"
        case .doorClosed: return "door_closed"
        case .doorZone: return "door_zone"
        case .occupancy: return "occupancy"
        case .topLimit: return "top_limit"
        case .bottomLimit: return "bottom_limit"
        case .alarmButton: return "alarm_button"
        case .inspection: return "inspection"
        case .mainsOk: return "mains_ok"
        case .hoistUpCmd: return "hoist_up_cmd"
        case .hoistDownCmd: return "hoist_down_cmd"
        case .upperLimit1: return "upper_limit_1"
        case .upperLimit2: return "upper_limit_2"
        case .lowerLimit: return "lower_limit"
        case .windPulse: return "wind_pulse"
        }
    }

    /// Looks a name up as written in a trace or calibration file.
    public init?(wireName: String) {
        guard let found = InputName.allCases.first(where: { $0.wireName == wireName }) else { return nil }
        self = found
    }

    /// Counter inputs change fast on purpose: they are neither debounced nor checked for chatter.
    public var isCounter: Bool { self == .encA || self == .encB || self == .windPulse }

    /// Orders inputs as the cases are declared (trace.md's elevator inputs, then the crane's own), for stable output.
    public static func < (lhs: InputName, rhs: InputName) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// An ADC channel of trace.md (the HX711 load cell).
public enum AdcChannel: UInt8, Sendable, Hashable, CaseIterable {
    case load

    /// The name used in traces and calibration.
    public var wireName: String { "load" }

    /// Looks a channel up as written in a trace or calibration file.
    public init?(wireName: String) {
        guard wireName == "load" else { return nil }
        self = .load
    }
}
