/// `overload` (elevator warning, crane alarm) and the crane's `overload_prewarning`: load above a fraction of
/// rated for a confirm time, cleared when it has stayed at or below a lower fraction for 2 s.
public struct OverloadDetector: Sendable {
    /// Which of the two load faults this instance watches.
    public let type: FaultType
    private var machine: FaultMachine
    private let ratedKg: Double
    private let raiseKg: Double
    private let clearKg: Double

    /// `overload`: above `overload_ratio` x rated for `overload_confirm_ms`, cleared at or below rated.
    public static func overload(_ calibration: Calibration) -> OverloadDetector {
        let thresholds = calibration.thresholds
        return OverloadDetector(
            type: .overload, ratedKg: calibration.ratedKg,
            raiseRatio: thresholds.overloadRatio, clearRatio: 1.0,
            confirmS: thresholds.overloadConfirmMs / 1000)
    }

    /// `overload_prewarning` (crane): above `prewarn_ratio` x rated for 500 ms, cleared at or below 0.85 x rated.
    public static func prewarning(_ calibration: Calibration) -> OverloadDetector {
        OverloadDetector(
            type: .overloadPrewarning, ratedKg: calibration.ratedKg,
            raiseRatio: calibration.thresholds.prewarnRatio, clearRatio: 0.85, confirmS: 0.5)
    }

    private init(type: FaultType, ratedKg: Double, raiseRatio: Double, clearRatio: Double, confirmS: Double) {
        self.type = type
        self.ratedKg = ratedKg
        raiseKg = raiseRatio * ratedKg
        clearKg = clearRatio * ratedKg
        machine = FaultMachine(confirmS: confirmS, clearS: 2)
    }

    /// When this detector could next change with its inputs as they are (its machine's running timer), trace ns.
    var deadlineNs: Int64? { machine.deadlineNs }

    /// Evaluates this tick's signals (the engine calls it every 10 ms of trace time) and returns the transition that
    /// happens now, if any, with the data that explains it. Nothing changes before the first good load sample.
    public mutating func evaluate(_ signals: SignalChain) -> DetectorAction {
        guard let load = signals.loadKg else { return .none }
        return machine.action(raise: load > raiseKg, clear: load <= clearKg, atNs: signals.nowNs) {
            var data = EventData()
            data.set("load_kg", load, decimals: 1)
            data.set("rated_kg", .number(ratedKg))
            data.set("limit_kg", raiseKg, decimals: 1)
            data.set("load_ratio", load / ratedKg, decimals: 3)
            return data
        }
    }
}
