/// One board's event `seq`s as a subscriber receives them (mqtt.md: gap-free per device, so a gap is a loss). The
/// backlog after an outage arrives alarms first, so a seq may arrive after higher ones: a gap stays open until it
/// fills or the subscriber stops, and only what is still missing then was lost.
public struct SeqTracker: Sendable, Hashable {
    /// What one newly received seq means.
    public enum Outcome: Sendable, Hashable {
        /// The first seq seen of this board: nothing before it is expected (the subscriber came late).
        case first
        /// The next one, or one that fills part of an open gap.
        case inOrder
        /// It skipped `missing`: those seqs have not arrived (yet).
        case gap(missing: ClosedRange<Int64>)
        /// It filled the missing seq of an earlier gap (a backlog entry arriving after later ones).
        case filledGap
        /// Below the first seq seen: from before this subscriber's window, not tracked.
        case beforeWindow
    }

    /// The lowest seq received since the start; nil before the first.
    public private(set) var firstSeq: Int64?
    /// The highest seq received.
    public private(set) var highestSeq: Int64?
    /// The seqs between `firstSeq` and `highestSeq` not received yet, as ranges in ascending order.
    public private(set) var missing: [ClosedRange<Int64>] = []

    /// Nothing received yet.
    public init() {}

    /// How many seqs are missing in all.
    public var missingCount: Int64 { missing.reduce(0) { $0 + Int64($1.count) } }

    /// Records `seq` (a duplicate is the caller's to filter out, by `id`) and says what it means.
    public mutating func receive(_ seq: Int64) -> Outcome {
        guard let first = firstSeq, let highest = highestSeq else {
            firstSeq = seq
            highestSeq = seq
            return .first
        }
        if seq < first { return .beforeWindow }
        if seq > highest {
            highestSeq = seq
            guard seq > highest + 1 else { return .inOrder }
            let gap = (highest + 1)...(seq - 1)
            missing.append(gap)
            return .gap(missing: gap)
        }
        guard let index = missing.firstIndex(where: { $0.contains(seq) }) else { return .inOrder }
        let range = missing.remove(at: index)
        if seq < range.upperBound { missing.insert((seq + 1)...range.upperBound, at: index) }
        if range.lowerBound < seq { missing.insert(range.lowerBound...(seq - 1), at: index) }
        return .filledGap
    }
}
