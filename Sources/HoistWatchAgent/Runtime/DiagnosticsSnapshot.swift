import FoundationEssentials

/// One snapshot of everything the running agent sees, as its local diag socket serves it (schema
/// `hoistwatch.diag/1`, one JSON object per connection): encoded by the agent, decoded by `hoistwatch diag`,
/// `selftest` and the calibration wizards, so every reader gets the same keys and the same meaning of a missing
/// reading. `schema` changes when a key changes meaning.
///
/// On the wire: FoundationEssentials' coders (not all of Foundation, see `JSONValue`), keys in snake case
/// (`positionM` is `position_m`), sorted. Numbers are rounded as they are sent. A reading the agent does not have
/// is nil: `null` on the wire where the key is always there (`NullWhenAbsent`: `floor` between landings, `load_kg`
/// before the first sample), no key where the agent has no such thing (`wind_mps` of an elevator, `gpio` and
/// `load_cell` of the simulated board). Built by the agent (`init(identity:snapshot:...)`), decoded by the rest.
public struct DiagnosticsSnapshot: Codable, Sendable, Hashable {
    /// The schema this type reads and writes.
    public static let currentSchema = "hoistwatch.diag/1"

    /// The schema the agent wrote (`currentSchema`).
    public var schema: String
    /// The device id of the site config.
    public var deviceId: String
    /// The agent's version.
    public var version: String
    /// `elevator` or `crane` (`Equipment.rawValue`).
    public var equipment: String
    /// `sim`, or the board profile's name.
    public var board: String
    /// Seconds since the agent started, to 0.1 s.
    public var uptimeS: Double
    /// CLOCK_MONOTONIC when the snapshot was taken.
    public var monoNs: Int64
    /// Wall time when it was taken (RFC 3339, UTC).
    public var time: String
    /// Whether the kernel believes the wall clock is synchronised.
    public var timeSynced: Bool
    /// Every wired input.
    public var inputs: [InputReading]
    /// Car or hook position, metres, to the millimetre.
    public var positionM: Double
    /// The position is referenced to a landing (elevator) or known from the start.
    public var referenced: Bool
    /// The landing (1 = bottom) the car is level with, within its door zone; nil between floors (and for a crane).
    @NullWhenAbsent public var floor: Int?
    /// Speed, m/s (up positive), to the mm/s.
    public var speedMps: Double
    /// Load, kg, to 0.1 kg; nil until the first good load sample (or without a load cell).
    @NullWhenAbsent public var loadKg: Double?
    /// Wind over 10 s, m/s, to 0.1; nil (no key) for an elevator.
    public var windMps: Double?
    /// The faults raised now.
    public var activeFaults: [ActiveFault]
    /// Maintenance counters since the agent started.
    public var counters: MaintenanceCounters
    /// The durable outbox.
    public var outbox: OutboxReading
    /// The MQTT link.
    public var link: LinkReading
    /// Scenario runs of the simulated board (1 for a real board).
    public var boardRuns: Int
    /// A real board's GPIO reader totals; nil (no key) on the simulated board.
    public var gpio: GpioReading?
    /// The load cell's reads; nil (no key) without one, and on the simulated board.
    public var loadCell: LoadCellReading?
    /// Raw signals for the calibration wizards.
    public var raw: RawReading
    /// The seq of the last event stored.
    public var lastSeq: Int64
    /// The last events stored, oldest first.
    public var recentEvents: [RecentEvent]
    /// The outbox's store: whether it works, what is held in memory, checksum failures, the reserve and free space
    /// (`StorageReading`); nil (no key) from an agent before this field.
    public var storage: StorageReading? = nil

    /// A wired input: debounced level and edges seen since the agent started.
    public struct InputReading: Codable, Sendable, Hashable {
        /// The wire name (`door_closed`).
        public var name: String
        /// The debounced logical level, 0 or 1.
        public var level: UInt8
        /// Edges seen since the agent started.
        public var edges: Int64
    }

    /// A fault raised now.
    public struct ActiveFault: Codable, Sendable, Hashable {
        /// `FaultType.rawValue`.
        public var type: String
        /// Which of several (the elevator's two limit switches); empty for most.
        public var instance: String
        /// `Severity.rawValue`.
        public var severity: String
        /// The id of the raised event.
        public var raisedId: String
        /// Seconds since it was raised, to the millisecond; nil (`null`) when its raise is not known to this run.
        @NullWhenAbsent public var raisedForS: Double?
    }

    /// What maintenance on demand needs (`Counters`), rounded; the status payload carries it too.
    public struct MaintenanceCounters: Codable, Sendable, Hashable {
        /// Completed movements.
        public var trips: Int64
        /// Door openings.
        public var doorCycles: Int64
        /// Time spent moving, hours, to 3 decimals.
        public var runningHours: Double
        /// Distance travelled, metres, to 0.1 m.
        public var travelledM: Double
        /// Limit switch actuations.
        public var limitActuations: Int64
        /// Highest speed seen, m/s, to the mm/s.
        public var maxSpeedMps: Double
        /// Highest load seen, kg, to 0.1 kg.
        public var maxLoadKg: Double
    }

    /// The outbox's figures.
    public struct OutboxReading: Codable, Sendable, Hashable {
        /// Entries waiting; -1 when the outbox could not be read.
        public var count: Int
        /// Bytes they count against the cap; -1 when the outbox could not be read.
        public var bytes: Int64
        /// Seconds the oldest waiting entry has waited; nil (`null`) when none waits (or it is from another boot).
        @NullWhenAbsent public var oldestAgeS: Double?
        /// Events the outbox could not take yet (disk error): retried every tick, never dropped.
        public var unsaved: Int
        /// Entries dropped because the outbox was full, since it was created.
        public var dropped: Int64
    }

    /// The MQTT link.
    public struct LinkReading: Codable, Sendable, Hashable {
        /// `starting`, `connecting`, `connected`, `waiting to retry`, `credentials refused` or `stopped`.
        public var state: String
        /// The last connection error; nil (`null`) when there was none.
        @NullWhenAbsent public var lastError: String?
        /// Connections made since start.
        public var session: Int64
        /// Messages the broker acknowledged since start.
        public var acknowledged: Int
        /// Messages sent and not acknowledged yet.
        public var inFlight: Int
        /// The broker of the current or next attempt, `host:port` (the primary or a backup).
        public var broker: String
        /// The MQTT version of the current or next attempt: "5" or "3.1.1".
        public var mqttVersion: String
        /// Entries set aside since start: refused by the broker again and again, or too large to send (each counted
        /// as a drop in its class).
        public var setAside: Int
    }

    /// The GPIO reader's totals since it opened its lines (`GpioInputCounters`), and the input merge's late inputs;
    /// the status payload carries it too.
    public struct GpioReading: Codable, Sendable, Hashable {
        /// Edges the kernel reported.
        public var edges: Int64
        /// Input events handed on.
        public var inputEvents: Int64
        /// Edges known to be missing.
        public var lostEdges: Int64
        /// Of those, on the encoder pair.
        public var quadratureErrors: Int64
        /// Reads that returned a whole kernel FIFO.
        public var overflowsSuspected: Int64
        /// Edges that came after later edges were handed on.
        public var lateEdges: Int64
        /// Periodic re-reads of every line's level.
        public var resyncs: Int64
        /// Inputs that came after the detection loop had evaluated past their time.
        public var lateInputs: Int64
    }

    /// The load cell's reads (`LoadCellCounters`); the status payload carries it too.
    public struct LoadCellReading: Codable, Sendable, Hashable {
        /// Samples handed on, good and failed.
        public var samples: Int64
        /// Of them, failed reads.
        public var failedSamples: Int64
        /// Bit-banged reads discarded for a broken datasheet limit; nil (no key) for the IIO driver.
        public var discardedReads: Int64?
        /// Chip resets of the bit-banged reader; nil (no key) for the IIO driver.
        public var resets: Int64?
    }

    /// Raw signals for the calibration wizards.
    public struct RawReading: Codable, Sendable, Hashable {
        /// The quadrature count (x4) before any re-referencing.
        public var encoderCount: Int64
        /// The load in HX711 counts (median), to 0.1; nil (`null`) until the first good sample.
        @NullWhenAbsent public var loadRaw: Double?
        /// The last door-zone changes, oldest first.
        public var doorZoneMarks: [NumberedDoorZoneMark]
    }

    /// A change of `door_zone` with the raw encoder count at it.
    public struct NumberedDoorZoneMark: Codable, Sendable, Hashable {
        /// Numbers the changes since the agent started, from 1: a gap means the wizard missed one.
        public var n: Int64
        /// 1: the car entered a door zone; 0: it left one.
        public var level: UInt8
        /// The quadrature count (x4) at the raw edge.
        public var encoderCount: Int64
    }

    /// An event stored in the outbox.
    public struct RecentEvent: Codable, Sendable, Hashable {
        /// Its seq.
        public var seq: Int64
        /// `FaultType.rawValue`.
        public var type: String
        /// `raised` or `cleared`.
        public var transition: String
        /// `Severity.rawValue`.
        public var severity: String
        /// Its wall time (RFC 3339, UTC).
        public var time: String
        /// Seconds between it and the snapshot, by wall time, to the millisecond.
        public var ageS: Double
    }
}

extension DiagnosticsSnapshot {
    /// The JSON object the diag socket sends (without the newline).
    public func encoded() -> [UInt8] {
        // Nothing in the type can fail to encode; should it ever, the reader is told so (its decoder finds no
        // snapshot in this) rather than the agent stopping.
        Self.json(self)
            ?? Array("{\"schema\":\"\(Self.currentSchema)\",\"error\":\"the snapshot could not be encoded\"}".utf8)
    }

    /// `reading` as JSON by the snapshot's rules (keys in snake case, sorted): for the status payload too, which
    /// carries the same `counters`, `gpio` and `load_cell`. Nil when it cannot be encoded (nothing here can fail).
    public static func json(_ reading: some Encodable) -> [UInt8]? {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: infinity, negativeInfinity: "-" + infinity, nan: notANumber)
        return try? Array(encoder.encode(reading))
    }

    /// Decodes what the diag socket sent; throws (a `DecodingError`) on anything that is not a snapshot of this
    /// schema's shape.
    public init(decoding bytes: [UInt8]) throws {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: Self.infinity, negativeInfinity: "-" + Self.infinity, nan: Self.notANumber)
        self = try decoder.decode(DiagnosticsSnapshot.self, from: Data(bytes))
    }

    // JSON has no NaN: a number the agent could not compute (none can be, with a valid calibration) is sent as a
    // string, so that the snapshot still goes out and still decodes.
    private static let infinity = "inf"
    private static let notANumber = "nan"
}
