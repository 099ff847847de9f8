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
    /// Where in `events` the reader found edges doubtful (lost, late, possibly dropped), in order.
    public var losses: [GpioLossMark]

    /// A batch of `events` with the `counters` after them, complete through `completeThroughNs`, with the
    /// `losses` found among them.
    public init(
        events: [InputEvent], counters: GpioInputCounters, completeThroughNs: Int64 = .min,
        losses: [GpioLossMark] = []
    ) {
        self.events = events
        self.counters = counters
        self.completeThroughNs = completeThroughNs
        self.losses = losses
    }
}

/// Where the reader found doubtful edges: before which event of its batch, at what time, and the loss totals from
/// then on. The detection core notes the loss there (`BoardInput.inputLoss`), before the events after it, so a
/// fault those events confirm (a contact's chatter) already has the `gpio_lost_edges` cause.
public struct GpioLossMark: Sendable, Hashable {
    /// The loss comes before `events[eventIndex]` of its batch (`events.count`: after all of them).
    public var eventIndex: Int
    /// CLOCK_MONOTONIC: the time of the edge that showed the loss (v2: the first edge after a sequence gap; v1:
    /// the edge that repeated its line's level, or, for a full FIFO, the last edge read from it; a re-read: its
    /// correction's time).
    public var atNs: Int64
    /// The reader's loss totals once this loss is counted.
    public var totals: InputLossCounts

    /// A loss before `events[eventIndex]`, at `atNs`, bringing the totals to `totals`.
    public init(eventIndex: Int, atNs: Int64, totals: InputLossCounts) {
        self.eventIndex = eventIndex
        self.atNs = atNs
        self.totals = totals
    }
}
