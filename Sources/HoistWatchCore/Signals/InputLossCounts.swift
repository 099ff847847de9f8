/// What a real board's input reader knows it may have missed (docs/gpio.md, "Counters and `sensor_fault`"):
/// totals since it opened its lines. Replays and the simulated board have none.
public struct InputLossCounts: Sendable, Hashable {
    /// Edges known to be missing: an edge that left its line's level unchanged, or a re-read of the levels that
    /// disagreed with the tracked state.
    public var lostEdges: Int64
    /// Kernel FIFOs read full: newer edges may have been dropped without a trace.
    public var overflowsSuspected: Int64
    /// Edges the kernel queued after later edges had been handed on (stamped out of their time).
    public var lateEdges: Int64

    /// Totals as a reader reports them; all zero by default.
    public init(lostEdges: Int64 = 0, overflowsSuspected: Int64 = 0, lateEdges: Int64 = 0) {
        self.lostEdges = lostEdges
        self.overflowsSuspected = overflowsSuspected
        self.lateEdges = lateEdges
    }

    /// Every edge that makes the input stream doubtful.
    public var doubtfulEdges: Int64 { lostEdges + overflowsSuspected + lateEdges }
}
