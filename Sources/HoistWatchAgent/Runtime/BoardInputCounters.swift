import HoistWatchCore

/// A real board's reading counters, for the status payload and `hoistwatch diag`.
public struct BoardInputCounters: Sendable, Hashable {
    /// Edges the kernel reported, input events made of them.
    public var edges: Int64 = 0
    public var inputEvents: Int64 = 0
    /// Lost edges (repeated levels and resync corrections), of them on the encoder pair, FIFOs read full, edges
    /// queued late, periodic re-reads.
    public var lostEdges: Int64 = 0
    public var quadratureErrors: Int64 = 0
    public var overflowsSuspected: Int64 = 0
    public var lateEdges: Int64 = 0
    public var resyncs: Int64 = 0
    /// Inputs that came after the detection loop had evaluated past their time (moved to its horizon).
    public var lateInputs: Int64 = 0
    /// Load-cell samples read, and of them failed reads (`raw: null`); nil when no load cell is read.
    public var loadSamples: Int64?
    public var loadFailedSamples: Int64?
    /// Bit-banged reads discarded for a broken datasheet limit, and chip resets (`mode = "gpio"` only).
    public var loadDiscardedReads: Int64?
    public var loadResets: Int64?

    public init() {}

    /// `{"gpio":{...},"load_cell":{...}}` members for the status payload and the diag snapshot (no braces around).
    public func write(to json: inout JSONText) {
        json.raw("\"gpio\":{\"edges\":")
        json.int(edges)
        json.raw(",\"input_events\":")
        json.int(inputEvents)
        json.raw(",\"lost_edges\":")
        json.int(lostEdges)
        json.raw(",\"quadrature_errors\":")
        json.int(quadratureErrors)
        json.raw(",\"overflows_suspected\":")
        json.int(overflowsSuspected)
        json.raw(",\"late_edges\":")
        json.int(lateEdges)
        json.raw(",\"resyncs\":")
        json.int(resyncs)
        json.raw(",\"late_inputs\":")
        json.int(lateInputs)
        json.raw("}")
        if let loadSamples {
            json.raw(",\"load_cell\":{\"samples\":")
            json.int(loadSamples)
            json.raw(",\"failed_samples\":")
            json.int(loadFailedSamples ?? 0)
            if let loadDiscardedReads {
                json.raw(",\"discarded_reads\":")
                json.int(loadDiscardedReads)
            }
            if let loadResets {
                json.raw(",\"resets\":")
                json.int(loadResets)
            }
            json.raw("}")
        }
    }
}
