import HoistWatchCore
import HoistWatchSystem

/// What the detection loop last saw, shared with the status messages (and later `diag`): counters, active
/// faults and the derived signals. Written by the detection thread every tick, read under the same lock.
public struct AgentSnapshot: Sendable {
    public var counters = Counters()
    public var active: [DetectionEngine.ActiveFault] = []
    /// CLOCK_MONOTONIC of each active fault's raise, by raised event id.
    public var activeSinceMonoNs: [String: Int64] = [:]
    public var positionM: Double = 0
    public var speedMps: Double = 0
    public var loadKg: Double?
    /// Every wired input: debounced level and edges seen since start.
    public var inputs: [InputReading] = []
    /// Position is referenced to a landing (elevator) or known from the start.
    public var referenced = false
    /// Nearest landing (1 = bottom) when the car is within its door zone half-width; nil between floors.
    public var floor: Int?
    /// Wind over 10 s (crane).
    public var windMps: Double?
    /// The last events stored, newest last (at most `recentLimit`).
    public var recent: [RecentEvent] = []
    public static let recentLimit = 20
    /// MQTT link, copied from the link service a few times a second.
    public var link = LinkReading()
    /// Events stored in the outbox since start, and the last one's seq.
    public var eventsStored: Int64 = 0
    public var lastSeq: Int64 = 0
    /// Events the outbox could not take yet (disk error): retried every tick, never dropped.
    public var unsaved: Int = 0
    /// Scenario runs of the simulated board.
    public var boardRuns: Int = 1
    /// A real board's reading counters (GPIO edges, lost edges, load-cell reads); nil on the simulated board.
    public var boardCounters: BoardInputCounters?
    /// A stored entry has `time_synced` false and has not been corrected yet.
    public var uncorrectedTimes = false
    /// Raw signals for the calibration wizards: the encoder count before re-referencing, the load in HX711
    /// counts, and the last door-zone changes with their encoder counts (`n` numbers them since start).
    public var encoderCount: Int64 = 0
    public var loadRaw: Double?
    public var doorZoneMarks: [NumberedDoorZoneMark] = []
    public static let doorZoneMarkLimit = 64

    public init() {}

    public struct InputReading: Sendable, Hashable {
        public var name: String
        public var level: UInt8
        public var edges: Int64
    }

    public struct RecentEvent: Sendable, Hashable {
        public var seq: Int64
        public var type: String
        public var transition: String
        public var severity: String
        public var wallNs: Int64
    }

    public struct NumberedDoorZoneMark: Sendable, Hashable {
        public var n: Int64
        public var mark: DoorZoneMark
    }

    public struct LinkReading: Sendable, Hashable {
        public var state = "starting"
        public var lastError: String?
        public var session: Int64 = 0
        public var acknowledged = 0
        public var inFlight = 0
    }
}

/// `AgentSnapshot` behind a lock.
public final class SharedSnapshot: Sendable {
    private let storage = Locked(AgentSnapshot())

    public init() {}

    public func update(_ body: (inout AgentSnapshot) -> Void) { storage.withLock { body(&$0) } }

    public var value: AgentSnapshot { storage.withLock { $0 } }
}
