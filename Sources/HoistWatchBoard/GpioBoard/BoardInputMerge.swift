import HoistWatchCore

/// Puts a real board's input streams (GPIO edges from the reader thread, load-cell samples from the sampler
/// thread), each in time order, into the one time-ordered stream the engine needs, and says up to when it is
/// complete. Pure: the owner adds what the threads handed over and drains on the detection thread.
///
/// - With GPIO lines the edges decide: the reader says up to when every edge is in (`completeThroughNs`, which
///   moves on while the lines are quiet); samples wait until the edges have caught up with them. The load cell
///   alone (no wired line) is complete up to its last sample.
/// - An input older than what was already handed on (a late edge, a sample whose thread was descheduled between
///   reading and handing over) is moved to the horizon and counted in `lateInputs` (`LateInputRule`), so the
///   engine never sees time go backwards and a flight record stays a valid trace.
struct BoardInputMerge: Sendable {
    /// CLOCK_MONOTONIC of board time 0.
    let originNs: Int64
    /// Whether edges come at all (else the samples alone say how far the input is complete).
    let hasLines: Bool
    /// Board time before which everything was handed on; a later input older than it is late.
    private var horizon = LateInputRule(startNs: 0)
    /// The reader's stream: edges, and its losses where they showed (`GpioLossMark`), in its order.
    private var edges: [EdgeItem] = []
    private var samples: [InputEvent] = []
    private var edgesCompleteThroughNs: Int64 = .min

    init(originNs: Int64, hasLines: Bool) {
        self.originNs = originNs
        self.hasLines = hasLines
    }

    /// Inputs that came after the horizon had passed their time.
    var lateInputs: Int64 { horizon.lateInputs }
    /// Board time before which everything was handed on.
    var horizonNs: Int64 { horizon.lastNs }

    /// One item of the reader's stream.
    private enum EdgeItem {
        case edge(InputEvent)
        /// The loss totals from `atNs` (CLOCK_MONOTONIC) on.
        case loss(InputLossCounts, atNs: Int64)

        var event: InputEvent? {
            if case .edge(let event) = self { return event }
            return nil
        }

        var tNs: Int64 {
            switch self {
            case .edge(let event): return event.tNs
            case .loss(_, let atNs): return atNs
            }
        }
    }

    /// Edges of one reader batch (CLOCK_MONOTONIC times), complete through `completeThroughNs`, with the losses the
    /// reader found among them (`GpioLossMark.eventIndex` into `events`).
    mutating func addEdges(_ events: [InputEvent], losses: [GpioLossMark] = [], completeThroughNs: Int64) {
        var next = 0
        for (index, event) in events.enumerated() {
            while next < losses.count, losses[next].eventIndex <= index {
                edges.append(.loss(losses[next].totals, atNs: losses[next].atNs))
                next += 1
            }
            edges.append(.edge(event))
        }
        for loss in losses[next...] { edges.append(.loss(loss.totals, atNs: loss.atNs)) }
        edgesCompleteThroughNs = max(edgesCompleteThroughNs, completeThroughNs)
    }

    /// Load-cell samples (CLOCK_MONOTONIC times), in the order read.
    mutating func addSamples(_ events: [InputEvent]) {
        samples.append(contentsOf: events)
    }

    /// The threads have stopped: nothing more will come, so everything held is complete.
    mutating func endOfInput() {
        let lastNs = max(edges.map(\.tNs).max() ?? .min, samples.last?.tNs ?? .min)
        edgesCompleteThroughNs = max(edgesCompleteThroughNs, lastNs)
    }

    /// `drainInputs` without the losses: the input events alone.
    mutating func drain(emit: (InputEvent) -> Void) -> Int64 {
        drainInputs { input in if let event = input.event { emit(event) } }
    }

    /// Hands `emit` every input up to where all streams are complete, in time order with board times, and the
    /// reader's losses where they showed (never before what was handed on); returns the new horizon (board time
    /// before which everything has been handed on).
    mutating func drainInputs(emit: (BoardInput) -> Void) -> Int64 {
        let completeNs: Int64
        if hasLines {
            completeNs = edgesCompleteThroughNs
        } else {
            completeNs = samples.last?.tNs ?? .min
        }
        guard completeNs != .min else { return horizonNs }
        var edgeIndex = 0
        var sampleIndex = 0
        while true {
            let edge = edgeIndex < edges.count && edges[edgeIndex].tNs <= completeNs ? edges[edgeIndex] : nil
            let sample =
                sampleIndex < samples.count && samples[sampleIndex].tNs <= completeNs
                ? samples[sampleIndex] : nil
            // A loss goes where it stands in the reader's stream, and before a sample of the same time.
            if let item = edge, case .loss(let totals, let atNs) = item, sample.map({ atNs <= $0.tNs }) ?? true {
                edgeIndex += 1
                emit(.inputLoss(totals, atNs: horizon.notBefore(atNs - originNs)))
                continue
            }
            var next: InputEvent
            switch (edge, sample) {
            case (nil, nil):
                edges.removeFirst(edgeIndex)
                samples.removeFirst(sampleIndex)
                horizon.pass(completeNs - originNs + 1)
                return horizon.lastNs
            case (let edge?, nil):
                next = edge.event!
                edgeIndex += 1
            case (nil, let sample?):
                next = sample
                sampleIndex += 1
            case (let edge?, let sample?):
                // Ties: the edge first, as a trace of both would have it (the reader stamps in the interrupt).
                if sample.tNs < edge.tNs {
                    next = sample
                    sampleIndex += 1
                } else {
                    next = edge.event!
                    edgeIndex += 1
                }
            }
            next.tNs = horizon.handOn(stampedNs: next.tNs - originNs)
            emit(.event(next))
        }
    }
}
