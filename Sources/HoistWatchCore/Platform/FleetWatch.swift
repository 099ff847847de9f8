/// A platform subscriber's view of every board under one topic prefix (mqtt.md), as `hoistwatch listen` keeps it:
/// events deduplicated by `id`, `seq` gaps per board, drops from the status counters, online boards from birth and
/// will, flight records decoded. Pure: each message in, what it means out; the caller receives and prints.
public struct FleetWatch: Sendable {
    /// What the watch knows of one board.
    public struct Board: Sendable, Hashable {
        /// Online after a birth or periodic status, offline after the will; nil before either.
        public var online: Bool?
        /// The last `session` seen (birth or will).
        public var session: Int64?
        /// Distinct events received.
        public var events = 0
        /// Retransmissions filtered out by `id`.
        public var duplicates = 0
        /// The board's `seq` as received.
        public var seqs = SeqTracker()
        /// The outbox's drop counters of the last status, per class.
        public var dropped: [String: Int64] = [:]
        /// Flight records received.
        public var records = 0
    }

    /// The topic prefix (`hoistwatch/v1`): topics are `{prefix}/{device_id}/event`, `/status`, `/record/{id}`.
    public let prefix: String
    /// Every board seen, by `device_id`.
    public private(set) var boards: [String: Board] = [:]
    private var seenIds: [String: Set<String>] = [:]
    private var typeById: [String: String] = [:]
    /// Parts of split flight records received so far, by event id: part number -> payload.
    private var recordParts: [String: [Int: [UInt8]]] = [:]

    /// Turns a whole record's payload into its trace text (the agent compresses records: README "Flight records");
    /// nil when it cannot. The watch is pure, so the decoder is the caller's.
    public let decodeRecord: @Sendable ([UInt8]) -> [UInt8]?

    /// A watch of the boards under `prefix`; `decodeRecord` decompresses a record's payload (default: taken as it
    /// is, plain trace text).
    public init(prefix: String, decodeRecord: @escaping @Sendable ([UInt8]) -> [UInt8]? = { $0 }) {
        var prefix = prefix
        while prefix.hasSuffix("/") { prefix.removeLast() }
        self.prefix = prefix
        self.decodeRecord = decodeRecord
    }

    /// Judges one message as delivered (`retained`: replayed by the broker at subscribe time).
    public mutating func receive(topic: String, payload: [UInt8], retained: Bool) -> [FleetObservation] {
        guard topic.hasPrefix(prefix + "/") else {
            return [.unreadable(topic: topic, reason: "not under the prefix \(prefix)")]
        }
        let parts = topic.dropFirst(prefix.count + 1).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 2, !parts[0].isEmpty else {
            return [.unreadable(topic: topic, reason: "not a topic of the contract")]
        }
        let deviceId = String(parts[0])
        switch (parts.count, parts[1]) {
        case (2, "event"): return event(deviceId, topic: topic, payload: payload)
        case (2, "status"): return status(deviceId, topic: topic, payload: payload, retained: retained)
        // The retained birth of its own (main's link part: a late subscriber finds the birth's fields there).
        case (2, "birth"): return status(deviceId, topic: topic, payload: payload, retained: retained)
        case (3, "record"): return record(deviceId, eventId: String(parts[2]), topic: topic, payload: payload)
        case (5, "record"):
            // record/{event_id}/{part}/{parts}: a record split to fit the broker's message size limit; the payloads
            // of parts 1 to n joined in order are the record.
            guard let part = Int(parts[3]), let count = Int(parts[4]), count >= 1, (1...count).contains(part) else {
                return [.unreadable(topic: topic, reason: "a record part's topic needs part and count: /{part}/{n}")]
            }
            let eventId = String(parts[2])
            recordParts[eventId, default: [:]][part] = payload
            guard let received = recordParts[eventId], received.count == count else { return [] }
            recordParts[eventId] = nil
            let whole = (1...count).flatMap { received[$0] ?? [] }
            return record(deviceId, eventId: eventId, topic: topic, payload: whole)
        default: return [.unreadable(topic: topic, reason: "not a topic of the contract")]
        }
    }

    private mutating func event(_ deviceId: String, topic: String, payload: [UInt8]) -> [FleetObservation] {
        guard let json = try? JSONValue.parse(payload), let id = json["id"]?.string, let type = json["type"]?.string
        else {
            return [.unreadable(topic: topic, reason: "not an event payload (JSON with id and type)")]
        }
        let seq = json["seq"]?.int64
        if seenIds[deviceId, default: []].contains(id) {
            boards[deviceId, default: Board()].duplicates += 1
            return [.duplicate(deviceId: deviceId, id: id, seq: seq)]
        }
        seenIds[deviceId, default: []].insert(id)
        typeById[id] = type
        var board = boards[deviceId, default: Board()]
        board.events += 1
        let outcome = seq.map { board.seqs.receive($0) } ?? .first
        boards[deviceId] = board
        let seen = SeenEvent(
            deviceId: deviceId, id: id, seq: seq, type: type, transition: json["transition"]?.string ?? "?",
            severity: json["severity"]?.string ?? "?", time: json["time"]?.string ?? "",
            historical: json["historical"] == .bool(true), durationS: json["duration_s"]?.double,
            data: json["data"]?.object ?? [:], payload: payload)
        return [.event(seen, seq: outcome)]
    }

    private mutating func status(
        _ deviceId: String, topic: String, payload: [UInt8], retained: Bool
    ) -> [FleetObservation] {
        guard let json = try? JSONValue.parse(payload), case .bool(let online)? = json["online"] else {
            return [.unreadable(topic: topic, reason: "not a status payload (JSON with online)")]
        }
        var board = boards[deviceId, default: Board()]
        defer { boards[deviceId] = board }
        let session = json["session"]?.int64
        let previousSession = board.session
        if let session { board.session = session }
        guard online else {
            // The agent publishes its will itself on a clean stop; a copy of the same session says nothing new.
            let repeated = board.online == false && (session == nil || session == previousSession)
            board.online = false
            return repeated ? [] : [.offline(deviceId: deviceId, session: session)]
        }
        var observations: [FleetObservation] = []
        let kind = json["kind"]?.string ?? "status"
        // The same birth on the status and the birth topic: the second copy says nothing new.
        if kind == "birth", board.online == true, let session, session == previousSession { return [] }
        if kind == "birth" || board.online != true {
            observations.append(
                .online(
                    Birth(
                        deviceId: deviceId, session: board.session, version: json["version"]?.string,
                        equipment: json["equipment"]?.string, board: json["board"]?.string,
                        detectorsOn: json["detectors_on"]?.array?.count ?? 0, retained: retained)))
        }
        board.online = true
        let faults = (json["active_faults"]?.array ?? []).map { fault in
            [fault["type"]?.string, fault["instance"]?.string].compactMap { $0 }.joined(separator: ":")
        }
        observations.append(
            .status(
                StatusSummary(
                    deviceId: deviceId, kind: kind, activeFaults: faults, outboxCount: json["outbox"]?["count"]?.int64,
                    trips: json["counters"]?["trips"]?.int64, lastSeq: json["last_seq"]?.int64)))
        if let dropped = json["dropped"]?.object {
            let total = dropped.compactMapValues(\.int64)
            var increases: [String: Int64] = [:]
            for (key, value) in total where value > (board.dropped[key] ?? 0) {
                increases[key] = value - (board.dropped[key] ?? 0)
            }
            // The first status of a board reports what it dropped before this subscriber came, once.
            if !increases.isEmpty { observations.append(.drops(deviceId: deviceId, added: increases, total: total)) }
            board.dropped = total
        }
        return observations
    }

    private mutating func record(
        _ deviceId: String, eventId: String, topic: String, payload: [UInt8]
    ) -> [FleetObservation] {
        guard let payload = decodeRecord(payload) else {
            return [.unreadable(topic: topic, reason: "a flight record that does not decompress")]
        }
        do {
            let summary = try FlightRecordSummary.decode(
                deviceId: deviceId, eventId: eventId, type: typeById[eventId], payload: payload)
            boards[deviceId, default: Board()].records += 1
            return [.record(summary)]
        } catch {
            return [.unreadable(topic: topic, reason: "not a valid flight record: \(error.description)")]
        }
    }
}
