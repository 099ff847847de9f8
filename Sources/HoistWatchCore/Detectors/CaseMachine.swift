/// A fault with several independent causes ("cases"), each with its own confirm time: raised once any case has
/// held for its confirm time (the data names that case), cleared once no case has been present for the clear time.
public struct CaseMachine: Sendable {
    private var presentSince: [Int64?]
    private let confirmNs: [Int64]
    private let clearNs: Int64
    private var raised = false
    private var clearingSinceNs: Int64?

    /// `confirmS[i]` is case i's confirm time.
    public init(confirmS: [Double], clearS: Double) {
        confirmNs = confirmS.map { Int64(($0 * 1e9).rounded()) }
        presentSince = Array(repeating: nil, count: confirmS.count)
        clearNs = Int64((clearS * 1e9).rounded())
    }

    /// Feeds which cases are present now; returns the transition and, for a raise, the index of the case.
    public mutating func step(present: [Bool], atNs nowNs: Int64) -> (Transition, Int)? {
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
