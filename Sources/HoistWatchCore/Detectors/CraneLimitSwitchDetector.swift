/// `limit_switch_failure` (alarm) for a crane hoist's double upper limit and lower limit. Cases (data `case`):
/// - `not_actuated`: hook above `upper_limit_m` + `limit_actuate_m` while `upper_limit_1` or `_2` reads 0, 200 ms;
///   or below `lower_limit_m` - `limit_actuate_m` while `lower_limit` reads 0, 200 ms (faults.md gives no hold time
///   for the lower limit; the upper one's 200 ms is used);
/// - `disagree`: the two upper limits differ for more than `double_limit_skew_ms`;
/// - `not_cut`: the hook still rising (speed > `moving_mps`) 300 ms after either upper limit reads 1;
/// - `stuck`: a limit reads 1 while the hook is more than `limit_stuck_m` away from it, for 1 s (as the elevator).
/// Cleared when inputs agree with position and each other for 5 s. Position cases need a referenced position.
public struct CraneLimitSwitchDetector: Sendable {
    private var machine: CaseMachine
    private let upperM: Double
    private let lowerM: Double
    private let actuateM: Double
    private let stuckM: Double
    private let movingMps: Double
    private let hasLower: Bool
    private let hasUpper: Bool
    private static let cases: [(String, InputName)] = [
        ("not_actuated", .upperLimit1), ("not_actuated", .upperLimit2), ("not_actuated", .lowerLimit),
        ("disagree", .upperLimit2), ("not_cut", .upperLimit1),
        ("stuck", .upperLimit1), ("stuck", .upperLimit2), ("stuck", .lowerLimit),
    ]

    /// A detector for the calibration's limit heights and thresholds; the cases of switches that are not wired are
    /// never raised.
    public init(calibration: Calibration) {
        let thresholds = calibration.thresholds
        upperM = calibration.upperLimitM
        lowerM = calibration.lowerLimitM
        actuateM = thresholds.limitActuateM
        stuckM = thresholds.limitStuckM
        movingMps = thresholds.movingMps
        hasUpper = calibration.isWired(.upperLimit1, .upperLimit2)
        hasLower = calibration.isWired(.lowerLimit)
        machine = CaseMachine(
            confirmS: [0.2, 0.2, 0.2, thresholds.doubleLimitSkewMs / 1000, 0.3, 1, 1, 1], clearS: 5)
    }

    /// When this detector could next change with its inputs as they are (its machine's running timer), trace ns.
    var deadlineNs: Int64? { machine.deadlineNs }

    /// Evaluates this tick's signals (the engine calls it every 10 ms of trace time) and returns the transition that
    /// happens now, if any, with the data that explains it.
    public mutating func evaluate(_ signals: SignalChain) -> DetectorAction {
        let upper1 = signals.level(.upperLimit1) == 1
        let upper2 = signals.level(.upperLimit2) == 1
        let lower = signals.level(.lowerLimit) == 1
        let ref = signals.referenced
        let height = signals.positionM
        let aboveUpper = ref && height > upperM + actuateM
        let belowLower = ref && height < lowerM - actuateM
        let present = [
            hasUpper && aboveUpper && !upper1,
            hasUpper && aboveUpper && !upper2,
            hasLower && belowLower && !lower,
            hasUpper && upper1 != upper2,
            hasUpper && (upper1 || upper2) && signals.speedMps > movingMps,
            hasUpper && ref && upper1 && height < upperM - stuckM,
            hasUpper && ref && upper2 && height < upperM - stuckM,
            hasLower && ref && lower && height > lowerM + stuckM,
        ]
        guard let (transition, index) = machine.step(present: present, atNs: signals.nowNs) else { return .none }
        var data = EventData()
        if transition == .raised {
            var (failureCase, input) = Self.cases[index]
            if failureCase == "disagree" { input = upper1 ? .upperLimit2 : .upperLimit1 }
            if failureCase == "not_cut" && !upper1 { input = .upperLimit2 }
            data.set("switch", .text(input.wireName))
            data.set("case", .text(failureCase))
        }
        data.set("upper_limit_1", .integer(upper1 ? 1 : 0))
        data.set("upper_limit_2", .integer(upper2 ? 1 : 0))
        data.set("lower_limit", .integer(lower ? 1 : 0))
        data.set("hoist_speed_mps", signals.speedMps, decimals: 3)
        signals.addPosition(to: &data)
        return transition == .raised ? .raise(data) : .clear(data)
    }
}
