import HoistWatchCore

/// The status topic's payloads (mqtt.md): the retained birth on every connect, the periodic status, and the
/// will the broker publishes when the board drops. Documented field by field in docs/mqtt-status.md.
public struct StatusPayload: Sendable {
    /// The payload schema this build writes: `schema` of every status and of the will.
    public static let schema = "hoistwatch.status/1"

    /// What does not change while the agent runs.
    public struct Identity: Sendable {
        /// The site's `device_id`, in every status and in the will.
        public var deviceId: String
        /// The software version, named in the birth (`version`).
        public var version: String
        /// Elevator or crane, from the calibration; named in the birth.
        public var equipment: Equipment
        /// What the board is called: `sim`, or the board profile's name; named in the birth.
        public var board: String
        /// Lowercase hex SHA-256 of the calibration file's bytes (`calibration_sha256`), so the platform can tell which
        /// calibration the board judges by.
        public var calibrationSHA256: String
        /// Wire names of the wired digital inputs in input order, then of the wired ADC channels (`wired_inputs`).
        public var wiredInputs: [String]
        /// The detectors the wiring allows, by fault name (`detectors_on`; `DetectorPlan` decides).
        public var detectorsOn: [String]
        /// Detectors that are off, with the inputs they miss.
        public var detectorsOff: [(type: String, missing: [String])]
        /// The kernel's boot id, in every status and in the will: `mono_ns` compares only within it.
        public var bootId: String

        /// Takes equipment, wired inputs and the detectors on and off from `calibration` (through `DetectorPlan`);
        /// `calibrationSHA256` must be the hash of the file `calibration` was parsed from.
        public init(
            deviceId: String, version: String, calibration: Calibration, calibrationSHA256: String,
            board: String, bootId: String
        ) {
            self.deviceId = deviceId
            self.version = version
            equipment = calibration.equipment
            self.board = board
            self.calibrationSHA256 = calibrationSHA256
            wiredInputs = calibration.wiredInputs.sorted().map(\.wireName) + calibration.wiredAdc.map(\.wireName)
            let plan = DetectorPlan(calibration: calibration)
            detectorsOn = plan.onNames
            detectorsOff = plan.entries.filter { !$0.isOn }.map { ($0.type.rawValue, $0.missing) }
            self.bootId = bootId
        }
    }

    /// Which of the three messages.
    public enum Kind: String, Sendable {
        case birth, periodic, will
        /// A full status sent because something in it changed (`StatusDigest`), between periodic ones.
        case change
    }

    /// The clock and outbox figures of the moment.
    public struct Moment: Sendable {
        /// CLOCK_MONOTONIC now, nanoseconds (`mono_ns`).
        public var monoNs: Int64
        /// CLOCK_REALTIME now, nanoseconds since the Unix epoch (`time`).
        public var wallNs: Int64
        /// Whether the kernel reports the wall clock synchronised (`time_synced`).
        public var timeSynced: Bool
        /// Seconds since the agent started (`uptime_s`, sent to 0.1 s).
        public var uptimeS: Double
        /// What waits in the outbox; nil when it could not be read (`count` and `bytes` are then sent as -1).
        public var depth: OutboxDepth?
        /// The outbox's size cap, bytes (`cap_bytes`).
        public var capBytes: Int64
        /// Entries dropped per class since the outbox was created; nil when they could not be read, and then sent as
        /// zeros, which a subscriber cannot tell from none dropped.
        public var dropped: OutboxDropCounters?

        /// The figures as read by the caller (`StatusService.current`), one field each.
        public init(
            monoNs: Int64, wallNs: Int64, timeSynced: Bool, uptimeS: Double, depth: OutboxDepth?,
            capBytes: Int64, dropped: OutboxDropCounters?
        ) {
            self.monoNs = monoNs
            self.wallNs = wallNs
            self.timeSynced = timeSynced
            self.uptimeS = uptimeS
            self.depth = depth
            self.capBytes = capBytes
            self.dropped = dropped
        }
    }

    /// What every message of this run says about the board.
    public let identity: Identity

    /// The payloads of the board `identity` describes.
    public init(identity: Identity) { self.identity = identity }

    /// `{"online":false,...}`: set as the will, and published by the agent itself on a clean shutdown.
    public func will(session: Int64) -> [UInt8] {
        var json = JSONText()
        json.raw("{\"schema\":")
        json.string(Self.schema)
        json.raw(",\"device_id\":")
        json.string(identity.deviceId)
        json.raw(",\"online\":false,\"kind\":\"will\",\"session\":")
        json.int(session)
        json.raw(",\"boot_id\":")
        json.string(identity.bootId)
        json.raw("}")
        return json.bytes
    }

    /// Birth (with `session`) or periodic status.
    public func status(_ kind: Kind, session: Int64?, moment: Moment, snapshot: AgentSnapshot) -> [UInt8] {
        var json = JSONText(reservingCapacity: 1024)
        json.raw("{\"schema\":")
        json.string(Self.schema)
        json.raw(",\"device_id\":")
        json.string(identity.deviceId)
        json.raw(",\"online\":true,\"kind\":")
        json.string(kind.rawValue)
        if let session {
            json.raw(",\"session\":")
            json.int(session)
        }
        json.raw(",\"mono_ns\":")
        json.int(moment.monoNs)
        json.raw(",\"boot_id\":")
        json.string(identity.bootId)
        json.raw(",\"time\":")
        json.string(WallTime.rfc3339(ns: moment.wallNs))
        json.raw(",\"time_synced\":")
        json.bool(moment.timeSynced)
        json.raw(",\"uptime_s\":")
        json.double((moment.uptimeS * 10).rounded() / 10)
        if kind == .birth {
            json.raw(",\"version\":")
            json.string(identity.version)
            json.raw(",\"equipment\":")
            json.string(identity.equipment.rawValue)
            json.raw(",\"board\":")
            json.string(identity.board)
            json.raw(",\"calibration_sha256\":")
            json.string(identity.calibrationSHA256)
            json.raw(",\"wired_inputs\":")
            stringArray(identity.wiredInputs, into: &json)
            json.raw(",\"detectors_on\":")
            stringArray(identity.detectorsOn, into: &json)
            json.raw(",\"detectors_off\":{")
            for (index, entry) in identity.detectorsOff.enumerated() {
                if index > 0 { json.raw(",") }
                json.string(entry.type)
                json.raw(":")
                stringArray(entry.missing, into: &json)
            }
            json.raw("}")
        }
        json.raw(",\"counters\":")
        json.reading(DiagnosticsSnapshot.MaintenanceCounters(snapshot.counters))
        json.raw(",\"active_faults\":[")
        for (index, fault) in snapshot.active.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{\"type\":")
            json.string(fault.type.rawValue)
            if !fault.instance.isEmpty {
                json.raw(",\"instance\":")
                json.string(fault.instance)
            }
            json.raw(",\"severity\":")
            json.string(fault.severity.rawValue)
            json.raw(",\"raised_id\":")
            json.string(fault.raisedId)
            json.raw("}")
        }
        json.raw("],\"last_seq\":")
        json.int(snapshot.lastSeq)
        json.raw(",\"outbox\":{\"count\":")
        json.int(Int64(moment.depth?.count ?? -1))
        json.raw(",\"bytes\":")
        json.int(moment.depth?.bytes ?? -1)
        json.raw(",\"cap_bytes\":")
        json.int(moment.capBytes)
        json.raw(",\"unsaved\":")
        json.int(Int64(snapshot.unsaved))
        json.raw("},\"dropped\":{")
        let dropped = moment.dropped ?? OutboxDropCounters()
        for (index, priority) in OutboxPriority.allCases.enumerated() {
            if index > 0 { json.raw(",") }
            json.string(priority.description)
            json.raw(":")
            json.int(dropped[priority])
        }
        json.raw("}")
        if let storage = DiagnosticsSnapshot.StorageReading(health: snapshot.storage, space: snapshot.space) {
            json.raw(",\"storage\":")
            json.reading(storage)
        }
        if let board = snapshot.boardCounters {
            json.raw(",\"gpio\":")
            json.reading(DiagnosticsSnapshot.GpioReading(board))
            if let loadCell = board.loadCell {
                json.raw(",\"load_cell\":")
                json.reading(DiagnosticsSnapshot.LoadCellReading(loadCell))
            }
        }
        json.raw("}")
        return json.bytes
    }

    private func stringArray(_ values: [String], into json: inout JSONText) {
        json.raw("[")
        for (index, value) in values.enumerated() {
            if index > 0 { json.raw(",") }
            json.string(value)
        }
        json.raw("]")
    }
}

extension JSONText {
    /// A reading the diag snapshot carries too, encoded as there (`null` should that ever fail).
    fileprivate mutating func reading(_ value: some Encodable) {
        if let encoded = DiagnosticsSnapshot.json(value) { bytes.append(contentsOf: encoded) } else { raw("null") }
    }
}
