/// The two-transition state machine every fault of faults.md shares: raised once its condition has held for the
/// confirm time, cleared once its clear condition has held for the clear time; never raised twice in a row.
public struct FaultMachine: Sendable {
    private enum State: Sendable {
        case idle
        case pending(sinceNs: Int64)
        case raised(clearingSinceNs: Int64?)
    }

    private var state: State = .idle
    private let confirmNs: Int64
    private let clearNs: Int64
    /// The time of the step that made the last transition, until the next step: right after a transition the other
    /// condition may already hold, and only the next step starts its timer.
    private var transitionedAtNs: Int64?

    /// A machine that raises once its condition has held for `confirmNs` and clears once the clear condition has held
    /// for `clearNs` (trace time, ns).
    public init(confirmNs: Int64, clearNs: Int64) {
        self.confirmNs = confirmNs
        self.clearNs = clearNs
    }

    /// Milliseconds/seconds convenience.
    public init(confirmS: Double, clearS: Double) {
        self.init(confirmNs: Int64((confirmS * 1e9).rounded()), clearNs: Int64((clearS * 1e9).rounded()))
    }

    /// Whether the fault is raised now.
    public var isRaised: Bool {
        if case .raised = state { return true }
        return false
    }

    /// Feeds the current truth of both conditions at `nowNs`; returns the transition, if one happens now.
    public mutating func step(raise raiseCondition: Bool, clear clearCondition: Bool, atNs nowNs: Int64) -> Transition?
    {
        let transition = transitionStep(raise: raiseCondition, clear: clearCondition, atNs: nowNs)
        transitionedAtNs = transition == nil ? nil : nowNs
        return transition
    }

    /// The earliest trace time after the last step at which the machine could change with both conditions as they
    /// are: the end of the confirm or clear time that is running, or just after a transition (the next step may start
    /// the other timer). Nil when nothing would change before a condition does. The engine's wake-up deadline.
    public var deadlineNs: Int64? {
        if let transitionedAtNs { return transitionedAtNs + 1 }
        switch state {
        case .idle: return nil
        case .pending(let since): return since + confirmNs
        case .raised(let clearingSince): return clearingSince.map { $0 + clearNs }
        }
    }

    private mutating func transitionStep(
        raise raiseCondition: Bool, clear clearCondition: Bool, atNs nowNs: Int64
    )
        -> Transition?
    {
        switch state {
        case .idle:
            guard raiseCondition else { return nil }
            if confirmNs <= 0 {
                state = .raised(clearingSinceNs: nil)
                return .raised
            }
            state = .pending(sinceNs: nowNs)
            return nil
        case .pending(let since):
            guard raiseCondition else {
                state = .idle
                return nil
            }
            guard nowNs - since >= confirmNs else { return nil }
            state = .raised(clearingSinceNs: nil)
            return .raised
        case .raised(let clearingSince):
            guard clearCondition else {
                state = .raised(clearingSinceNs: nil)
                return nil
            }
            let since = clearingSince ?? nowNs
            guard nowNs - since >= clearNs else {
                state = .raised(clearingSinceNs: since)
                return nil
            }
            state = .idle
            return .cleared
        }
    }
}

/// What a detector asks the engine to do on a tick.
public enum DetectorAction: Sendable, Equatable {
    case none
    case raise(EventData)
    case clear(EventData)
}

extension FaultMachine {
    /// Steps the machine and wraps the transition with the data that explains it.
    mutating func action(raise: Bool, clear: Bool, atNs nowNs: Int64, data: () -> EventData) -> DetectorAction {
        switch step(raise: raise, clear: clear, atNs: nowNs) {
        case .raised: return .raise(data())
        case .cleared: return .clear(data())
        case nil: return .none
        }
    }
}
