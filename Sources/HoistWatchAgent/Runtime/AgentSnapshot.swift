import HoistWatchCore
import HoistWatchSystem

/// What the detection loop last saw, shared with the status messages (and later `diag`): counters, active
/// faults and the derived signals. Written by the detection thread every tick, read under the same lock.
public struct AgentSnapshot: Sendable {
    /// The engine's maintenance counters (trips, door cycles, running time, travel, limit actuations, highest speed
    /// and load) since the current detection run started.
    public var counters = Counters()
    /// The faults raised now, in the engine's order: the status's `active_faults`.
    public var active: [DetectionEngine.ActiveFault] = []
    /// CLOCK_MONOTONIC of each active fault's raise, by raised event id.
    public var activeSinceMonoNs: [String: Int64] = [:]
    /// Car floor or hook height, metres, as of the last tick; `referenced` says whether it is tied to a landing.
    public var positionM: Double = 0
    /// Signed speed, m/s (up positive), as of the last tick.
    public var speedMps: Double = 0
    /// Filtered load, kg; nil before the first good sample, and when no load cell is wired.
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
    /// How many events `recent` keeps; the oldest goes first.
    public static let recentLimit = 20
    /// MQTT link, copied from the link service a few times a second.
    public var link = LinkReading()
    /// Events stored in the outbox since start, and the last one's seq.
    public var eventsStored: Int64 = 0
    /// The `seq` of the last event stored: the outbox's last `seq` at start (so a restarted agent does not report 0),
    /// then each event's as this run stores it.
    public var lastSeq: Int64 = 0
    /// Events and messages the outbox's database could not store yet: held in memory (published from there, not
    /// durable) and retried once a second.
    public var unsaved: Int = 0
    /// What the outbox's store did (failures, checksum mismatches, memory held, reserve); nil before the first tick.
    public var storage: OutboxStorageHealth?
    /// The start-up check of free space against the outbox and history caps; nil when it could not be made.
    public var space: StorageSpaceCheck?
    /// Scenario runs of the simulated board.
    public var boardRuns: Int = 1
    /// A real board's reading counters (GPIO edges, lost edges, load-cell reads); nil on the simulated board.
    public var boardCounters: BoardInputCounters?
    /// A stored entry has `time_synced` false and has not been corrected yet.
    public var uncorrectedTimes = false
    /// Raw signals for the calibration wizards: the encoder count before re-referencing, the load in HX711
    /// counts, and the last door-zone changes with their encoder counts (`n` numbers them since start).
    public var encoderCount: Int64 = 0
    /// The filtered load in HX711 counts (the median of the raw samples); nil before the first good sample.
    public var loadRaw: Double?
    /// The last confirmed door-zone changes, oldest first, at most `doorZoneMarkLimit`.
    public var doorZoneMarks: [NumberedDoorZoneMark] = []
    /// How many door-zone changes `doorZoneMarks` keeps; the oldest goes first (`n` shows the wizard a gap).
    public static let doorZoneMarkLimit = 64

    /// Nothing seen yet: what status and `diag` report before the detection loop's first tick (link `starting`).
    public init() {}

    /// One wired input as `diag` shows it.
    public struct InputReading: Sendable, Hashable {
        /// The input's wire name (`door_closed`, `enc_a`).
        public var name: String
        /// The debounced logical level, 0 or 1.
        public var level: UInt8
        /// Edges seen since the agent started (summed over a simulated board's runs).
        public var edges: Int64
    }

    /// An event the outbox stored, as `diag` lists it.
    public struct RecentEvent: Sendable, Hashable {
        /// The `seq` the outbox gave it.
        public var seq: Int64
        /// The fault's name (`FaultType.rawValue`: `overspeed`).
        public var type: String
        /// `raised` or `cleared`.
        public var transition: String
        /// `alarm`, `warning` or `info`.
        public var severity: String
        /// Wall time as stamped, nanoseconds since the Unix epoch; not corrected when the clock syncs later.
        public var wallNs: Int64
    }

    /// A confirmed door-zone change, numbered so the calibration wizard can tell when it missed one.
    public struct NumberedDoorZoneMark: Sendable, Hashable {
        /// Numbers the changes since the agent started, from 1; it keeps counting when old marks are dropped.
        public var n: Int64
        /// The change: the new level and the encoder count at its raw edge.
        public var mark: DoorZoneMark
    }

    /// The MQTT link as `diag` shows it, copied from the link's diagnostics every 250 ms by `DiagnosticsServer`.
    public struct LinkReading: Sendable, Hashable {
        /// `starting`, `connecting`, `connected`, `waiting to retry`, `credentials refused` or `stopped`.
        public var state = "starting"
        /// The last connection failure as a sentence (broker and library messages only, no secrets); nil before any.
        public var lastError: String?
        /// The `session` counter of the current or last connect attempt; persisted in the outbox, so it keeps rising
        /// across restarts.
        public var session: Int64 = 0
        /// Outbox entries the broker acknowledged (PUBACK) since the agent started; the birth status is not counted.
        public var acknowledged = 0
        /// Outbox entries published on this connection and not acknowledged yet.
        public var inFlight = 0
        /// The broker of the current or next attempt (`host:port`: the primary or a backup).
        public var broker = ""
        /// The MQTT version of the current or next attempt ("5" or "3.1.1").
        public var mqttVersion = ""
        /// Entries set aside since start (refused by the broker again and again, or too large to send).
        public var setAside = 0
    }
}

/// `AgentSnapshot` behind a lock.
public final class SharedSnapshot: Sendable {
    private let storage = Locked(AgentSnapshot())

    /// A lock around an empty snapshot. The detection loop writes most of it; the diag server writes `link`, the
    /// status service `uncorrectedTimes`.
    public init() {}

    /// Changes the snapshot under the lock; `body` should be short: the detection thread and every reader wait on it.
    public func update(_ body: (inout AgentSnapshot) -> Void) { storage.withLock { body(&$0) } }

    /// A copy of the snapshot as of now, taken under the lock.
    public var value: AgentSnapshot { storage.withLock { $0 } }
}
