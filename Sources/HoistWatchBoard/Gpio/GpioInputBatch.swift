import HoistWatchCore

/// What the backend hands its consumer after each read: the input events, in time order, and the counters as
/// they stand after them (so the detection side sees lost edges in step with the events).
public struct GpioInputBatch: Sendable, Hashable {
    /// Input events of trace.md, `tNs` = the kernel's CLOCK_MONOTONIC timestamp.
    public var events: [InputEvent]
    /// The backend's counters after this batch.
    public var counters: GpioInputCounters
    /// Every input event stamped at or before this time (CLOCK_MONOTONIC) is in this batch or an earlier one: a
    /// consumer may evaluate up to here. It moves on while the lines are quiet too, so a batch may have no events.
    public var completeThroughNs: Int64

    /// A batch of `events` with the `counters` after them, complete through `completeThroughNs`.
    public init(events: [InputEvent], counters: GpioInputCounters, completeThroughNs: Int64 = .min) {
        self.events = events
        self.counters = counters
        self.completeThroughNs = completeThroughNs
    }
}
