/// A fault with several independent causes ("cases"), each with its own confirm time: raised once any case has
/// held for its confirm time (the data names that case), cleared once no case has been present for the clear time.
public struct CaseMachine: Sendable {
    private var presentSince: [Int64?]
    private let confirmNs: [Int64]
    private let clearNs: Int64
    private var raised = false
    private var clearingSinceNs: Int64?
    /// The time of the step that made the last transition, until the next step (see `FaultMachine`).
    private var transitionedAtNs: Int64?

    /// `confirmS[i]` is case i's confirm time.
    public init(confirmS: [Double], clearS: Double) {
        confirmNs = confirmS.map { Int64(($0 * 1e9).rounded()) }
        presentSince = Array(repeating: nil, count: confirmS.count)
        clearNs = Int64((clearS * 1e9).rounded())
    }

    /// Feeds which cases are present now; returns the transition and, for a raise, the index of the case.
    public mutating func step(present: [Bool], atNs nowNs: Int64) -> (Transition, Int)? {
        let result = transitionStep(present: present, atNs: nowNs)
        transitionedAtNs = result == nil ? nil : nowNs
        return result
    }

    /// The earliest trace time after the last step at which the machine could change with the cases as they are: a
    /// present case's confirm time running out, the clear time, or just after a transition. Nil when nothing would
    /// change before a case does.
    public var deadlineNs: Int64? {
        if let transitionedAtNs { return transitionedAtNs + 1 }
        if raised { return clearingSinceNs.map { $0 + clearNs } }
        var earliest: Int64?
        for index in presentSince.indices {
            guard let since = presentSince[index] else { continue }
            earliest = min(earliest ?? .max, since + confirmNs[index])
        }
        return earliest
    }

    private mutating func transitionStep(present: [Bool], atNs nowNs: Int64) -> (Transition, Int)? {
        var confirmed: Int?
        for index in present.indices {
            if present[index] {
                let since = presentSince[index] ?? nowNs
                presentSince[index] = since
                if confirmed == nil && nowNs - since >= confirmNs[index] { confirmed = index }
            } else {
                presentSince[index] = nil
            }
        }
        if !raised {
            guard let confirmed else { return nil }
            raised = true
            clearingSinceNs = nil
            return (.raised, confirmed)
        }
        guard !present.contains(true) else {
            clearingSinceNs = nil
            return nil
        }
        let since = clearingSinceNs ?? nowNs
        clearingSinceNs = since
        guard nowNs - since >= clearNs else { return nil }
        raised = false
        clearingSinceNs = nil
        return (.cleared, -1)
    }
}
