/// The kind of lifting equipment a unit monitors. It decides which logical inputs exist and which detectors run.
public enum Equipment: String, Sendable, Hashable, CaseIterable {
    case elevator
    case crane

    /// The logical digital inputs of trace.md for this equipment, in the spec's order.
    public var digitalInputs: [InputName] {
        switch self {
        case .elevator:
            return [
                .encA, .encB, .doorClosed, .doorZone, .occupancy, .topLimit, .bottomLimit,
                .alarmButton, .inspection, .mainsOk,
            ]
        case .crane:
            return [
                .encA, .encB, .hoistUpCmd, .hoistDownCmd, .upperLimit1, .upperLimit2, .lowerLimit,
                .windPulse, .mainsOk,
            ]
        }
    }

    /// The ADC channels of trace.md for this equipment.
    public var adcChannels: [AdcChannel] { [.load] }

    /// The equipment with its article, for messages: "an elevator", "a crane".
    public var phrase: String {
        switch self {
        case .elevator: "an elevator"
        case .crane: "a crane"
        }
    }
}
