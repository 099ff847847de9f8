
/// What the GPIO input backend has done since it opened its lines; `lostEdges` and its neighbours are what the
/// detection side turns into `sensor_fault` (docs/gpio.md, "Reporting lost edges").
public struct GpioInputCounters: Sendable, Hashable {
    /// Edges the kernel reported.
    public var edges: Int64 = 0
    /// Input events handed to the consumer (edges, plus corrections, minus edges dropped at the start).
    public var inputEvents: Int64 = 0
    /// Batches handed to the consumer.
    public var batches: Int64 = 0
    /// Edges known to be missing: with libgpiod v2 each gap in a line's sequence numbers, exactly; then an edge
    /// whose level is not the expected one (v1, which numbers nothing: one that did not change its line's level;
    /// the opposite edge in between was lost, or two edges came faster than the kernel could read the level), and
    /// every disagreement of a periodic re-read with the tracked level.
    public var lostEdges: Int64 = 0
    /// Of those, on the encoder pair: an edge of `enc_a`/`enc_b` that did not change its level, or a re-read
    /// where both disagreed (two steps at once: the direction is unknowable).
    public var quadratureErrors: Int64 = 0
    /// Reads that returned a whole kernel FIFO (16 events): the kernel may have dropped newer edges (v1 only; v2
    /// counts what it dropped in `lostEdges`).
    public var overflowsSuspected: Int64 = 0
    /// Edges that arrived after later edges of another line had already been handed on (the kernel was slower
    /// than `settleNs`); they are passed on stamped with the last time handed on, so order is kept, not time.
    public var lateEdges: Int64 = 0
    /// Periodic re-reads of every line's level compared with the tracked state.
    public var resyncs: Int64 = 0
    /// Corrective events emitted by those re-reads (each also counts as a lost edge).
    public var resyncCorrections: Int64 = 0

    /// All counts zero: a backend that has not opened its lines yet.
    public init() {}

    /// What of these the detection core judges (`sensor_fault` `gpio_lost_edges`).
    public var loss: InputLossCounts {
        InputLossCounts(lostEdges: lostEdges, overflowsSuspected: overflowsSuspected, lateEdges: lateEdges)
    }

    /// Every edge that makes the input stream doubtful: lost, late, or possibly dropped by a full FIFO.
    public var doubtfulEdges: Int64 { loss.doubtfulEdges }
}
