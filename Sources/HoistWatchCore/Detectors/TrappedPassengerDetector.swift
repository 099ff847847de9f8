/// `trapped_passenger` (alarm): the car is not moving, its door closed, someone inside, and either outside a door
/// zone or the alarm button pressed for `trapped_after_s` (`case: between_floors`), or inside a door zone for
/// `trapped_at_landing_s` (`case: at_landing`, doors that will not open). Cleared when the door opens, the car
/// moves, or occupancy has been 0 for `occupancy_hold_s`. Not raised in inspection mode.
public struct TrappedPassengerDetector: Sendable {
    private enum State: Sendable {
        case watching(betweenSinceNs: Int64?, atLandingSinceNs: Int64?)
        case raised
    }

    private var state: State = .watching(betweenSinceNs: nil, atLandingSinceNs: nil)
    private let betweenNs: Int64
    private let atLandingNs: Int64
    private let hasAlarmButton: Bool
    /// The tick of the last raise or clear, until the next evaluation (the other case may start at once).
    private var transitionedAtNs: Int64?

    /// A detector with the calibration's `trapped_after_s` and `trapped_at_landing_s`; the alarm button counts only
    /// when wired.
    public init(calibration: Calibration) {
        betweenNs = Int64(calibration.thresholds.trappedAfterS * 1e9)
        atLandingNs = Int64(calibration.thresholds.trappedAtLandingS * 1e9)
        hasAlarmButton = calibration.isWired(.alarmButton)
    }

    /// Evaluates this tick's signals (the engine calls it every 10 ms of trace time) and returns the transition that
    /// happens now, if any, with the data that explains it; `inspection` (maintenance mode) holds off a raise.
    public mutating func evaluate(_ signals: SignalChain, inspection: Bool) -> DetectorAction {
        let action = step(signals, inspection: inspection)
        transitionedAtNs = action == .none ? nil : signals.nowNs
        return action
    }

    /// When this detector could next change with its inputs as they are: a stop timer running out, or the tick
    /// after a transition; trace ns.
    var deadlineNs: Int64? {
        if let transitionedAtNs { return transitionedAtNs + 1 }
        guard case .watching(let between, let landing) = state else { return nil }
        return [between.map { $0 + betweenNs }, landing.map { $0 + atLandingNs }].compactMap { $0 }.min()
    }

    private mutating func step(_ signals: SignalChain, inspection: Bool) -> DetectorAction {
        let now = signals.nowNs
        let closedIn = !signals.isMoving && signals.level(.doorClosed) == 1 && signals.occupied
        let inZone = signals.level(.doorZone) == 1
        let button = hasAlarmButton && signals.level(.alarmButton) == 1
        switch state {
        case .watching(let betweenSince, let landingSince):
            guard closedIn && !inspection else {
                state = .watching(betweenSinceNs: nil, atLandingSinceNs: nil)
                return .none
            }
            let between = (!inZone || button) ? (betweenSince ?? now) : nil
            let landing = inZone ? (landingSince ?? now) : nil
            if let between, now - between >= betweenNs {
                state = .raised
                return .raise(data(signals, trappedCase: "between_floors", sinceNs: between))
            }
            if let landing, now - landing >= atLandingNs {
                state = .raised
                return .raise(data(signals, trappedCase: "at_landing", sinceNs: landing))
            }
            state = .watching(betweenSinceNs: between, atLandingSinceNs: landing)
            return .none
        case .raised:
            let doorOpen = signals.level(.doorClosed) == 0
            guard doorOpen || signals.isMoving || !signals.occupied else { return .none }
            state = .watching(betweenSinceNs: nil, atLandingSinceNs: nil)
            var cleared = EventData()
            cleared.set("reason", .text(doorOpen ? "door_opened" : signals.isMoving ? "moving" : "unoccupied"))
            signals.addPosition(to: &cleared)
            return .clear(cleared)
        }
    }

    private func data(_ signals: SignalChain, trappedCase: String, sinceNs: Int64) -> EventData {
        var data = EventData()
        data.set("case", .text(trappedCase))
        data.set("stopped_s", Double(signals.nowNs - sinceNs) / 1e9, decimals: 1)
        data.set("door_zone", .flag(signals.level(.doorZone) == 1))
        data.set("alarm_button", .flag(signals.level(.alarmButton) == 1))
        signals.addPosition(to: &data)
        return data
    }
}
