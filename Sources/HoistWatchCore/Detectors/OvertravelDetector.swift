/// `overtravel_top` / `overtravel_bottom` (alarm): the referenced position beyond the top (bottom) landing by more
/// than `overtravel_m`; cleared when back within the landings (allowing `door_zone_half_m` of levelling) for 1 s.
public struct OvertravelDetector: Sendable {
    /// The fault this instance watches: `overtravel_top` or `overtravel_bottom`.
    public let type: FaultType
    private var machine = FaultMachine(confirmNs: 0, clearNs: 1_000_000_000)
    private let landingM: Double
    private let limitM: Double
    private let toleranceM: Double
    private let isTop: Bool

    /// `overtravel_top`.
    public static func top(_ calibration: Calibration) -> OvertravelDetector {
        OvertravelDetector(calibration, isTop: true)
    }
    /// `overtravel_bottom`.
    public static func bottom(_ calibration: Calibration) -> OvertravelDetector {
        OvertravelDetector(calibration, isTop: false)
    }

    private init(_ calibration: Calibration, isTop: Bool) {
        self.isTop = isTop
        type = isTop ? .overtravelTop : .overtravelBottom
        landingM = isTop ? calibration.topLandingM : calibration.bottomLandingM
        limitM = calibration.thresholds.overtravelM
        toleranceM = calibration.doorZoneHalfM
    }

    /// When this detector could next change with its inputs as they are (its machine's running timer), trace ns.
    var deadlineNs: Int64? { machine.deadlineNs }

    /// Evaluates this tick's signals (the engine calls it every 10 ms of trace time) and returns the transition that
    /// happens now, if any, with the data that explains it. Never raised while the position is unreferenced.
    public mutating func evaluate(_ signals: SignalChain) -> DetectorAction {
        let beyondM = isTop ? signals.positionM - landingM : landingM - signals.positionM
        let referenced = signals.referenced
        return machine.action(
            raise: referenced && beyondM > limitM, clear: !referenced || beyondM <= toleranceM,
            atNs: signals.nowNs
        ) {
            var data = EventData()
            data.set("beyond_m", beyondM, decimals: 3)
            data.set(isTop ? "top_landing_m" : "bottom_landing_m", .number(landingM))
            signals.addPosition(to: &data)
            return data
        }
    }
}
