/// The one rule for an input that comes late: stamped before something already handed on (a later input, or a
/// horizon the consumer was told is complete). It is handed on at the last time handed on instead of its own, so
/// the stream never goes back in time (the engine's tick grid, a flight record and a trace all need that), and
/// counted. Order is kept, not time.
///
/// The GPIO edge sequencer (an edge the kernel queued after later edges of another line were handed on), the
/// board's input merge (that edge, or a load sample whose thread was descheduled between reading and handing it
/// over) and the trace recorder go by it. Pure.
struct LateInputRule: Sendable {
    /// Nothing is handed on before this: the time of the last input handed on, or a later horizon (`pass`).
    private(set) var lastNs: Int64
    /// Inputs that came late, handed on at `lastNs`.
    private(set) var lateInputs: Int64 = 0

    /// Nothing handed on yet; nothing will be before `startNs`.
    init(startNs: Int64) {
        lastNs = startNs
    }

    /// The time to hand on an input stamped `tNs` at: its own, or `lastNs` when that is later (it came late, and
    /// is counted).
    mutating func handOn(stampedNs tNs: Int64) -> Int64 {
        guard tNs >= lastNs else {
            lateInputs += 1
            return lastNs
        }
        lastNs = tNs
        return tNs
    }

    /// The time for what is handed on among the inputs without being one (a re-read's correction, the reader's loss
    /// totals): never before `lastNs`, and not counted as late.
    func notBefore(_ tNs: Int64) -> Int64 {
        max(tNs, lastNs)
    }

    /// Nothing will be handed on before `tNs` (time passed without an input, or something was handed on then).
    mutating func pass(_ tNs: Int64) {
        lastNs = max(lastNs, tNs)
    }
}
