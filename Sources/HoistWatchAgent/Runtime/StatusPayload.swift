import HoistWatchCore

/// The status topic's payloads (mqtt.md): the retained birth on every connect, the periodic status, and the
/// will the broker publishes when the board drops. Documented field by field in docs/mqtt-status.md.
public struct StatusPayload: Sendable {
    public static let schema = "hoistwatch.status/1"

    /// What does not change while the agent runs.
    public struct Identity: Sendable {
        public var deviceId: String
        public var version: String
        public var equipment: Equipment
        public var board: String
        public var calibrationSHA256: String
        public var wiredInputs: [String]
        public var detectorsOn: [String]
        /// Detectors that are off, with the inputs they miss.
        public var detectorsOff: [(type: String, missing: [String])]
        public var bootId: String

        public init(deviceId: String, version: String, calibration: Calibration, calibrationSHA256: String,
                    board: String, bootId: String) {
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
    }

    /// The clock and outbox figures of the moment.
    public struct Moment: Sendable {
        public var monoNs: Int64
        public var wallNs: Int64
        public var timeSynced: Bool
        public var uptimeS: Double
        public var depth: OutboxDepth?
        public var capBytes: Int64
        public var dropped: OutboxDropCounters?

        public init(monoNs: Int64, wallNs: Int64, timeSynced: Bool, uptimeS: Double, depth: OutboxDepth?,
                    capBytes: Int64, dropped: OutboxDropCounters?) {
            self.monoNs = monoNs
            self.wallNs = wallNs
            self.timeSynced = timeSynced
            self.uptimeS = uptimeS
            self.depth = depth
            self.capBytes = capBytes
            self.dropped = dropped
        }
    }

    public let identity: Identity

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
