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
    private var edges: [InputEvent] = []
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

    /// Edges of one reader batch (CLOCK_MONOTONIC times), complete through `completeThroughNs`.
    mutating func addEdges(_ events: [InputEvent], completeThroughNs: Int64) {
        edges.append(contentsOf: events)
        edgesCompleteThroughNs = max(edgesCompleteThroughNs, completeThroughNs)
    }

    /// Load-cell samples (CLOCK_MONOTONIC times), in the order read.
    mutating func addSamples(_ events: [InputEvent]) {
        samples.append(contentsOf: events)
    }

    /// The threads have stopped: nothing more will come, so everything held is complete.
    mutating func endOfInput() {
        let lastNs = max(edges.last?.tNs ?? .min, samples.last?.tNs ?? .min)
        edgesCompleteThroughNs = max(edgesCompleteThroughNs, lastNs)
    }

    /// Hands `emit` every input up to where all streams are complete, in time order with board times; returns the
    /// new horizon (board time before which everything has been handed on).
    mutating func drain(emit: (InputEvent) -> Void) -> Int64 {
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
            var next: InputEvent
            switch (edge, sample) {
            case (nil, nil):
                edges.removeFirst(edgeIndex)
                samples.removeFirst(sampleIndex)
                horizon.pass(completeNs - originNs + 1)
                return horizon.lastNs
            case (let edge?, nil):
                next = edge
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
                    next = edge
                    edgeIndex += 1
                }
            }
            next.tNs = horizon.handOn(stampedNs: next.tNs - originNs)
            emit(next)
        }
    }
}
