/// Which detectors can run with this unit's wiring (calibration.md: a detector whose inputs are not wired is
/// off, and the agent says so at start and in `diag`).
public struct DetectorPlan: Sendable {
    /// One detector's verdict.
    public struct Entry: Sendable, Hashable {
        /// The fault the detector raises.
        public var type: FaultType
        /// Inputs it needs that are not wired; empty when it is on.
        public var missing: [String]
        /// Whether the detector runs: everything it needs is wired.
        public var isOn: Bool { missing.isEmpty }
    }

    /// One entry per detector of the calibration's equipment, on or off.
    public let entries: [Entry]

    /// The plan for `calibration`'s equipment and wiring (`[wiring] inputs` and `adc`).
    public init(calibration: Calibration) {
        let wiredAdc = calibration.wiredAdc
        func entry(_ type: FaultType, _ inputs: [InputName], adc: Bool = false) -> Entry {
            var missing = inputs.filter { !calibration.wiredInputs.contains($0) }.map(\.wireName)
            if adc && !wiredAdc.contains(.load) { missing.append("load") }
            return Entry(type: type, missing: missing)
        }
        switch calibration.equipment {
        case .elevator:
            entries = [
                entry(.overspeed, [.encA, .encB]),
                entry(.trappedPassenger, [.encA, .encB, .doorClosed, .occupancy, .doorZone]),
                entry(.stoppedOutsideDoorZone, [.encA, .encB, .doorZone]),
                entry(.overload, [], adc: true),
                entry(.doorOpenWhileMoving, [.encA, .encB, .doorClosed, .doorZone]),
                entry(.overtravelTop, [.encA, .encB]),
                entry(.overtravelBottom, [.encA, .encB]),
                Self.limitEntry(calibration),
                entry(.powerFailure, [.mainsOk]),
                entry(.alarmButton, [.alarmButton]),
                entry(.sensorFault, []),
                entry(.inspection, [.inspection]),
            ]
        case .crane:
            entries = [
                entry(.overloadPrewarning, [], adc: true),
                entry(.overload, [], adc: true),
                entry(.overspeed, [.encA, .encB]),
                entry(.limitSwitchFailure, [.encA, .encB, .upperLimit1, .upperLimit2]),
                entry(.highWind, [.windPulse]),
                entry(.powerFailure, [.mainsOk]),
                entry(.sensorFault, []),
            ]
        }
    }

    /// The elevator's limit detector needs the encoder and at least one of the two terminal switches.
    private static func limitEntry(_ calibration: Calibration) -> Entry {
        var missing = [InputName.encA, .encB].filter { !calibration.wiredInputs.contains($0) }.map(\.wireName)
        if !calibration.isWired(.topLimit) && !calibration.isWired(.bottomLimit) {
            missing.append("top_limit/bottom_limit")
        }
        return Entry(type: .limitSwitchFailure, missing: missing)
    }

    /// Whether `type` runs.
    public func isOn(_ type: FaultType) -> Bool { entries.first(where: { $0.type == type })?.isOn ?? false }

    /// The detectors that are on, by payload name.
    public var onNames: [String] { entries.filter(\.isOn).map(\.type.rawValue) }
}
