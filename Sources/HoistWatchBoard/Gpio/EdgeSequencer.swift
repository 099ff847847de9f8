import HoistWatchCore

/// Turns the kernel's edges of several lines into one time-ordered stream of input events, and finds lost edges.
/// Pure: the backend feeds it what it read and the times it read at; it never reads a clock.
///
/// - Order: lines are read one after the other, so an edge of one line can be read after a later edge of another.
///   Edges are held back until the source says every edge up to their time has been read (`safeUntilNs`), then
///   handed on in time order (ties: in the order read).
/// - Where: every loss is marked in the output where it showed (`takeLossMarks`), before the edge that showed it,
///   so the detection core notes it before that edge and not at the end of the batch.
/// - Lost edges, exact (v2): an edge says how many edges of its line the kernel numbered and dropped before it
///   (`GpioEdge.lostBefore`); they are counted as they are, and the edge's level is expected to have flipped once
///   for each of them and once for itself.
/// - Lost edges, inferred (v1 has no sequence numbers; v2 too for edges the kernel never numbered, faster than
///   its interrupt thread): an edge whose level is not the expected one (v1: it leaves its line's level
///   unchanged) is passed on as it is (the quadrature decoder counts a repeated level as an encoder error, a trace
///   keeps it) and counted. A re-read of every line (`resync`) that disagrees with the tracked level emits a
///   corrective event and counts a lost edge (which a later sequence gap on that line does not count again); when
///   both encoder lines disagree, both corrections carry the same time, which the decoder refuses as an
///   impossible transition instead of guessing a direction.
public struct EdgeSequencer: Sendable {
    /// What each line carries, by request position.
    public let inputs: [InputName]
    /// Tracked logical level per line: after the last event handed on.
    public private(set) var levels: [UInt8]
    /// What was found so far (edges, events, lost edges; batches and overflows are the backend's).
    public private(set) var counters = GpioInputCounters()
    private let encoderA: Int?
    private let encoderB: Int?
    private var pending: [Entry] = []
    /// Edges are mostly read in time order already; sorting is skipped unless one came in earlier than the last.
    private var pendingUnsorted = false
    private var arrivals: Int64 = 0
    /// The time of the last event handed on: a late edge is handed on then (`LateInputRule`).
    private var handedOn: LateInputRule
    /// Edges up to here were already reflected in the first read of the levels.
    private let openedNs: Int64
    /// Until here an edge that repeats the first read's level is that read seeing the edge early: not lost.
    private let openGraceUntilNs: Int64
    private var resync: Resync?
    /// Per line: resync corrections since its last edge. Each stood for a lost edge already counted, which the
    /// line's next sequence gap includes.
    private var correctedSinceEdge: [Int]
    /// Every edge stamped at or before this time has been handed on, as far as the reads could tell (`safeUntilNs`
    /// of the last release). An edge the kernel queued later than that still comes out, as a late edge stamped
    /// with the last time handed on, which may be before this time: a consumer that evaluated up to here moves
    /// it to its own horizon.
    public private(set) var completeThroughNs: Int64
    /// Losses found since the last `takeLossMarks`, placed in the output they were appended to.
    private var lossMarks: [GpioLossMark] = []
    /// Suspected FIFO overflows waiting for the release to pass their time (v1: after the last edge read from a
    /// full FIFO, the kernel dropped the newest ones).
    private var pendingOverflows: [(afterNs: Int64, count: Int)] = []

    private struct Entry {
        var edge: GpioEdge
        var arrival: Int64
    }

    private struct Resync {
        var levels: [UInt8]
        var startNs: Int64
        var endNs: Int64
        /// Lines with an edge inside the read window: their read level is ambiguous.
        var moved: [Bool]
        var snapshotTaken = false
    }

    /// Starts from `initialLevels`, read between `readStartNs` and `readEndNs` right after the lines were requested.
    public init(inputs: [InputName], initialLevels: [UInt8], readStartNs: Int64, readEndNs: Int64) {
        precondition(inputs.count == initialLevels.count, "one level per line")
        self.inputs = inputs
        levels = initialLevels
        correctedSinceEdge = [Int](repeating: 0, count: initialLevels.count)
        encoderA = inputs.firstIndex(of: .encA)
        encoderB = inputs.firstIndex(of: .encB)
        openedNs = readStartNs
        openGraceUntilNs = readEndNs
        handedOn = LateInputRule(startNs: readStartNs)
        completeThroughNs = readStartNs
    }

    /// Whether edges are held back waiting for `safeUntilNs` to pass them.
    public var hasPending: Bool { !pending.isEmpty }

    /// Whether a re-read is waiting to be compared.
    public var resyncPending: Bool { resync != nil }

    /// Adds edges just read, then appends to `out` every held edge stamped at or before `safeUntilNs`, in time order.
    public mutating func ingest(_ edges: [GpioEdge], safeUntilNs: Int64, into out: inout [InputEvent]) {
        counters.edges += Int64(edges.count)
        for edge in edges {
            // Before the first read started: that read already shows the result.
            if edge.timestampNs <= openedNs { continue }
            if let last = pending.last, last.edge.timestampNs > edge.timestampNs { pendingUnsorted = true }
            pending.append(Entry(edge: edge, arrival: arrivals))
            arrivals += 1
        }
        release(upToNs: safeUntilNs, into: &out)
    }

    /// Counts `count` reads that filled a whole kernel FIFO (v1), whose dropped edges came after `afterNs`; the loss
    /// is placed in the stream once the edges up to that time are handed on.
    public mutating func noteSuspectedOverflows(_ count: Int, afterNs: Int64) {
        guard count > 0 else { return }
        pendingOverflows.append((afterNs, count))
    }

    /// The losses found since the last call, indexed into the events appended since then (the batch being built),
    /// and starts a new batch.
    public mutating func takeLossMarks() -> [GpioLossMark] {
        defer { lossMarks.removeAll(keepingCapacity: true) }
        return lossMarks
    }

    /// Hands on every held edge (at stop, when no more edges will come).
    public mutating func flush(into out: inout [InputEvent]) {
        release(upToNs: .max, into: &out)
    }

    /// Records a re-read of every line's level taken between `readStartNs` and `readEndNs`. It is compared once
    /// every edge up to `readEndNs` has been handed on; ignored while an earlier one is still waiting.
    public mutating func resync(levels read: [UInt8], readStartNs: Int64, readEndNs: Int64) {
        guard resync == nil, read.count == levels.count else { return }
        resync = Resync(
            levels: read, startNs: readStartNs, endNs: readEndNs,
            moved: [Bool](repeating: false, count: read.count))
    }

    private mutating func release(upToNs safeUntilNs: Int64, into out: inout [InputEvent]) {
        if !pending.isEmpty {
            if pendingUnsorted {
                pending.sort { first, second in
                    first.edge.timestampNs != second.edge.timestampNs
                        ? first.edge.timestampNs < second.edge.timestampNs : first.arrival < second.arrival
                }
                pendingUnsorted = false
            }
            var released = 0
            while released < pending.count, pending[released].edge.timestampNs <= safeUntilNs {
                let edge = pending[released].edge
                placeOverflows(upToNs: edge.timestampNs - 1, into: out)
                if var check = resync {
                    if edge.timestampNs > check.endNs {
                        compare(check, into: &out)
                        resync = nil
                    } else if edge.timestampNs > check.startNs {
                        check.moved[edge.lineIndex] = true
                        resync = check
                    }
                }
                handOn(edge, into: &out)
                released += 1
            }
            pending.removeFirst(released)
        }
        if let check = resync, safeUntilNs >= check.endNs,
            pending.first.map({ $0.edge.timestampNs > check.endNs }) ?? true
        {
            compare(check, into: &out)
            resync = nil
        }
        placeOverflows(upToNs: min(safeUntilNs, pending.first.map { $0.edge.timestampNs - 1 } ?? .max), into: out)
        completeThroughNs = max(completeThroughNs, safeUntilNs == .max ? handedOn.lastNs : safeUntilNs)
    }

    /// Counts and places the suspected overflows whose edges up to their time have been handed on.
    private mutating func placeOverflows(upToNs limitNs: Int64, into out: [InputEvent]) {
        while let first = pendingOverflows.first, first.afterNs <= limitNs {
            pendingOverflows.removeFirst()
            counters.overflowsSuspected += Int64(first.count)
            mark(at: out.count, atNs: handedOn.notBefore(first.afterNs))
        }
    }

    /// Records a loss just counted, before `out[index]`.
    private mutating func mark(at index: Int, atNs: Int64) {
        lossMarks.append(GpioLossMark(eventIndex: index, atNs: atNs, totals: counters.loss))
    }

    private mutating func handOn(_ edge: GpioEdge, into out: inout [InputEvent]) {
        let doubtfulBefore = counters.doubtfulEdges
        defer {
            // The loss shows at this edge: noted before it (and after what came before it on other lines).
            if counters.doubtfulEdges > doubtfulBefore, let last = out.last {
                mark(at: out.count - 1, atNs: last.tNs)
            } else if counters.doubtfulEdges > doubtfulBefore {
                mark(at: out.count, atNs: handedOn.notBefore(edge.timestampNs))
            }
        }
        let index = edge.lineIndex
        let isEncoder = index == encoderA || index == encoderB
        // Dropped edges the stream has not shown yet: a correction since the line's last edge stood for one.
        let dropped = max(0, edge.lostBefore - correctedSinceEdge[index])
        correctedSinceEdge[index] = 0
        let expected = dropped % 2 == 0 ? levels[index] ^ 1 : levels[index]
        if dropped > 0 {
            counters.lostEdges += Int64(dropped)
            // The decoder cannot see these: the count is off by them, in a direction nothing tells.
            if isEncoder { counters.quadratureErrors += 1 }
        }
        if edge.level != expected {
            // Inside the first read's window the read may already show this edge.
            if edge.lostBefore == 0, edge.timestampNs <= openGraceUntilNs { return }
            counters.lostEdges += 1
            if isEncoder && dropped == 0 { counters.quadratureErrors += 1 }
        }
        let timeNs = handedOn.handOn(stampedNs: edge.timestampNs)
        counters.lateEdges = handedOn.lateInputs
        levels[index] = edge.level
        out.append(.level(inputs[index], edge.level, atNs: timeNs))
        counters.inputEvents += 1
    }

    /// Compares a re-read with the levels tracked up to its end; lines that moved during the read are skipped.
    private mutating func compare(_ check: Resync, into out: inout [InputEvent]) {
        counters.resyncs += 1
        let timeNs = handedOn.notBefore(check.endNs)
        var corrected: [Int] = []
        for index in levels.indices where !check.moved[index] && check.levels[index] != levels[index] {
            corrected.append(index)
            correctedSinceEdge[index] += 1
            levels[index] = check.levels[index]
            out.append(.level(inputs[index], check.levels[index], atNs: timeNs))
            counters.inputEvents += 1
            counters.lostEdges += 1
            counters.resyncCorrections += 1
        }
        if let encoderA, let encoderB, corrected.contains(encoderA), corrected.contains(encoderB) {
            counters.quadratureErrors += 1
        }
        if !corrected.isEmpty {
            handedOn.pass(timeNs)
            mark(at: out.count - corrected.count, atNs: timeNs)
        }
    }
}
