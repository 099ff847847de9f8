import HoistWatchCore

/// What the detection loop last saw, shared with the status messages (and later `diag`): counters, active
/// faults and the derived signals. Written by the detection thread every tick, read under the same lock.
public struct AgentSnapshot: Sendable {
    public var counters = Counters()
    public var active: [DetectionEngine.ActiveFault] = []
    public var positionM: Double = 0
    public var speedMps: Double = 0
    public var loadKg: Double?
    /// Inputs that are high now (debounced), by wire name.
    public var highInputs: [String] = []
    /// Events stored in the outbox since start, and the last one's seq.
    public var eventsStored: Int64 = 0
    public var lastSeq: Int64 = 0
    /// Events the outbox could not take yet (disk error): retried every tick, never dropped.
    public var unsaved: Int = 0
    /// Scenario runs of the simulated board.
    public var boardRuns: Int = 1
    /// A stored entry has `time_synced` false and has not been corrected yet.
    public var uncorrectedTimes = false

    public init() {}
}

/// `AgentSnapshot` behind a lock.
public final class SharedSnapshot: Sendable {
    private let storage = Locked(AgentSnapshot())

    public init() {}

    public func update(_ body: (inout AgentSnapshot) -> Void) { storage.withLock { body(&$0) } }

    public var value: AgentSnapshot { storage.withLock { $0 } }
}
