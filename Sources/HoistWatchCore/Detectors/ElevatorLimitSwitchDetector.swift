/// `limit_switch_failure` (alarm) for one elevator terminal switch (`top_limit` or `bottom_limit`):
/// - `not_actuated`: the car beyond that terminal landing by more than `limit_actuate_m` while the switch reads 0,
///   for 200 ms;
/// - `stuck`: the switch reads 1 for 1 s while the car is more than `limit_stuck_m` inside the travel.
/// Cleared when the switch has agreed with position for 5 s. Needs a referenced position.
public struct ElevatorLimitSwitchDetector: Sendable {
    /// The switch this instance watches: `top_limit` or `bottom_limit`.
    public let input: InputName
    private var machine = CaseMachine(confirmS: [0.2, 1.0], clearS: 5)
    private let landingM: Double
    private let actuateM: Double
    private let stuckM: Double
    private static let cases = ["not_actuated", "stuck"]

    /// A detector for `input` (`top_limit` or `bottom_limit`) at its terminal landing, with the calibration's
    /// `limit_actuate_m` and `limit_stuck_m`.
    public init(calibration: Calibration, input: InputName) {
        self.input = input
        landingM = input == .topLimit ? calibration.topLandingM : calibration.bottomLandingM
        actuateM = calibration.thresholds.limitActuateM
        stuckM = calibration.thresholds.limitStuckM
    }

    /// When this detector could next change with its inputs as they are (its machine's running timer), trace ns.
    var deadlineNs: Int64? { machine.deadlineNs }

    /// Evaluates this tick's signals (the engine calls it every 10 ms of trace time) and returns the transition that
    /// happens now, if any, with the data that explains it.
    public mutating func evaluate(_ signals: SignalChain) -> DetectorAction {
        let reads = signals.level(input) == 1
        let beyondM = input == .topLimit ? signals.positionM - landingM : landingM - signals.positionM
        let referenced = signals.referenced
        let present = [referenced && beyondM > actuateM && !reads, referenced && beyondM < -stuckM && reads]
        guard let (transition, index) = machine.step(present: present, atNs: signals.nowNs) else { return .none }
        var data = EventData()
        data.set("switch", .text(input.wireName))
        if transition == .raised { data.set("case", .text(Self.cases[index])) }
        data.set("switch_level", .integer(reads ? 1 : 0))
        data.set("beyond_landing_m", beyondM, decimals: 3)
        signals.addPosition(to: &data)
        return transition == .raised ? .raise(data) : .clear(data)
    }
}
