import HoistWatchCore

/// What the backend hands its consumer after each read: the input events, in time order, and the counters as
/// they stand after them (so the detection side sees lost edges in step with the events).
public struct GpioInputBatch: Sendable, Hashable {
    /// Input events of trace.md, `tNs` = the kernel's CLOCK_MONOTONIC timestamp.
    public var events: [InputEvent]
    /// The backend's counters after this batch.
    public var counters: GpioInputCounters

    /// A batch of `events` with the `counters` after them.
    public init(events: [InputEvent], counters: GpioInputCounters) {
        self.events = events
        self.counters = counters
    }
}
