/// How much is waiting in the outbox, for status messages and `diag`.
public struct OutboxDepth: Sendable, Hashable {
    /// Entries waiting.
    public var count: Int
    /// Bytes they count against the cap (`OutboxEntry.storedBytes`).
    public var bytes: Int64
    /// Monotonic time and boot of the oldest waiting entry, nil when empty.
    public var oldestMonoNs: Int64?
    /// The boot `oldestMonoNs` belongs to.
    public var oldestBootId: String?
    /// Entries waiting per class.
    public var countByPriority: [OutboxPriority: Int]
    /// Entries waiting in memory because the database could not store them (not in `count`).
    public var unsaved: Int = 0
}

/// Entries dropped because the outbox was full, per class, persisted across restarts.
public struct OutboxDropCounters: Sendable, Hashable {
    /// Dropped alarms (only when the outbox held nothing but alarms).
    public var alarm: Int64 = 0
    /// Dropped warnings.
    public var warning: Int64 = 0
    /// Dropped info events.
    public var info: Int64 = 0
    /// Dropped status messages.
    public var status: Int64 = 0

    /// Zero counts.
    public init() {}

    /// The count for one class.
    public subscript(priority: OutboxPriority) -> Int64 {
        get {
            switch priority {
            case .alarm: alarm
            case .warning: warning
            case .info: info
            case .status: status
            }
        }
        set {
            switch priority {
            case .alarm: alarm = newValue
            case .warning: warning = newValue
            case .info: info = newValue
            case .status: status = newValue
            }
        }
    }

    /// All classes together.
    public var total: Int64 { alarm + warning + info + status }
}

/// What `Outbox.append` did.
public struct OutboxAppendResult: Sendable, Hashable {
    /// The event seq given to the entry (nil for non-events).
    public var seq: Int64?
    /// False when the entry itself was dropped: it was larger than the cap, or everything stored was more
    /// important than it. The seq is still used, so subscribers see the gap.
    public var stored: Bool
    /// Entries dropped by this append, per class (the new one included when `stored` is false).
    public var dropped: OutboxDropCounters
    /// False when the database could not store the entry and it is held in memory (`stored` then says whether it
    /// fitted there): it is published from memory with `"durable": false` and stored once the database works.
    public var durable: Bool = true
}
