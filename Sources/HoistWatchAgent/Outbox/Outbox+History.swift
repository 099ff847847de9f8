import HoistWatchCore

/// The local history of mqtt.md: every event and a status every minute, kept on the board for `history_days`
/// so an inspector can read it on site when the platform is unreachable (`hoistwatch history`).
///
/// It lives in the outbox's database, in its own table, and is written in the SAME transaction as the outbox
/// insert: no extra fsync per event, and after a power cut an event is in both or in neither. It is pruned by
/// age and by its own size cap, never by the outbox's (an event the outbox had to drop for space, or that the
/// broker acknowledged long ago, is still in the history).
extension Outbox {
    /// What a history row holds.
    public enum HistoryKind: Int64, Sendable {
        case event = 0
        case status = 1
    }

    /// How long and how much history is kept.
    public struct HistoryPolicy: Sendable, Hashable {
        /// Rows whose synchronised wall time is older than this many days are pruned (site config `history_days`).
        public var days: Int
        /// The history's size cap (site config `history_cap_mib`), counted as each row's payload and id plus 48
        /// bytes, not as the file's size; over it the oldest rows are pruned first, whatever their age.
        public var capBytes: Int64

        /// A policy keeping `days` days of history within `capBytes`.
        public init(days: Int, capBytes: Int64) {
            self.days = days
            self.capBytes = capBytes
        }
    }

    /// The table, created with the outbox (schema version 2) or added to a version 1 file.
    static let historySchema = """
        CREATE TABLE history(
            position INTEGER PRIMARY KEY AUTOINCREMENT,
            kind INTEGER NOT NULL,
            id TEXT NOT NULL,
            seq INTEGER,
            mono_ns INTEGER NOT NULL,
            boot_id TEXT NOT NULL,
            wall_ns INTEGER NOT NULL,
            time_synced INTEGER NOT NULL,
            payload BLOB NOT NULL,
            bytes INTEGER NOT NULL
        );
        CREATE INDEX history_time ON history(wall_ns);

        """

    static func insertHistory(_ db: SQLiteConnection, _ entry: OutboxEntry, kind: HistoryKind) throws {
        let statement = try db.cached(
            "INSERT INTO history(kind, id, seq, mono_ns, boot_id, wall_ns, time_synced, payload, bytes, format, "
                + "checksum) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        defer { statement.reset() }
        try statement.bind(kind.rawValue, at: 1)
        try statement.bind(entry.id, at: 2)
        try statement.bind(entry.seq, at: 3)
        try statement.bind(entry.monoNs, at: 4)
        try statement.bind(entry.bootId, at: 5)
        try statement.bind(entry.wallNs, at: 6)
        try statement.bind(entry.timeSynced ? 1 : 0, at: 7)
        try statement.bind(entry.payload, at: 8)
        try statement.bind(Int64(entry.payload.count + entry.id.utf8.count + 48), at: 9)
        try statement.bind(entry.event == nil ? 0 : 1, at: 10)
        try statement.bind(PayloadChecksum.of(id: entry.id, topic: "", payload: entry.payload, seq: entry.seq), at: 11)
        try statement.step()
    }

    static func correctHistoryTimes(_ db: SQLiteConnection, bootId: String, wallMinusMonoNs: Int64) throws {
        let statement = try db.prepare(
            "UPDATE history SET wall_ns = mono_ns + ?, time_synced = 1 WHERE boot_id = ? AND time_synced = 0")
        try statement.bind(wallMinusMonoNs, at: 1)
        try statement.bind(bootId, at: 2)
        try statement.step()
    }

    /// Stores a status snapshot in the history (not in the outbox), then prunes by `policy` in the same
    /// transaction: rows older than `policy.days` before `nowWallNs`, then the oldest rows while the history is
    /// over its cap. Returns how many rows were pruned.
    ///
    /// Age is only judged on rows whose wall time was synchronised, and only while the clock is
    /// (`nowWallNs` nil otherwise): a board without a real-time clock boots in 1970, and its unsynced rows
    /// must not be taken for ancient ones. Those go by the size cap alone.
    @discardableResult
    public func appendHistoryStatus(
        _ entry: OutboxEntry, policy: HistoryPolicy, nowWallNs: Int64?
    )
        throws(OutboxError) -> Int
    {
        try state.withLock { state throws(OutboxError) in
            try run("storing the history status", state.db) { db in
                try db.transaction {
                    try Self.insertHistory(db, entry, kind: .status)
                    return try Self.pruneHistory(db, policy: policy, nowWallNs: nowWallNs)
                }
            }
        }
    }

    /// Stores several status rows in the local history in one transaction (one fsync for all), then prunes as
    /// `appendHistoryStatus` does; returns how many rows were pruned.
    @discardableResult
    public func appendHistoryStatuses(
        _ entries: [OutboxEntry], policy: HistoryPolicy, nowWallNs: Int64?
    )
        throws(OutboxError) -> Int
    {
        try state.withLock { state throws(OutboxError) in
            try run("storing the history statuses", state.db) { db in
                try db.transaction {
                    for entry in entries { try Self.insertHistory(db, entry, kind: .status) }
                    return try Self.pruneHistory(db, policy: policy, nowWallNs: nowWallNs)
                }
            }
        }
    }

    static func pruneHistory(_ db: SQLiteConnection, policy: HistoryPolicy, nowWallNs: Int64?) throws -> Int {
        var pruned = 0
        if let nowWallNs {
            let old = try db.prepare("DELETE FROM history WHERE time_synced = 1 AND wall_ns < ?")
            try old.bind(nowWallNs - Int64(policy.days) * 86_400_000_000_000, at: 1)
            try old.step()
            pruned = db.changes
        }
        var total = try db.scalarInt64("SELECT coalesce(sum(bytes), 0) FROM history") ?? 0
        guard total > policy.capBytes else { return pruned }
        // Oldest first, in chunks, until under the cap.
        let oldest = try db.prepare("SELECT position, bytes FROM history ORDER BY position LIMIT 256")
        let delete = try db.prepare("DELETE FROM history WHERE position <= ?")
        while total > policy.capBytes {
            oldest.reset()
            var last: Int64?
            while total > policy.capBytes, try oldest.step() {
                total -= oldest.int64(1)
                last = oldest.int64(0)
            }
            guard let last else { break }
            delete.reset()
            try delete.bind(last, at: 1)
            try delete.step()
            pruned += db.changes
        }
        return pruned
    }

    /// History rows as stored, oldest first.
    public struct HistoryRow: Sendable, Hashable {
        /// Whether the row is an event or a status snapshot.
        public var kind: HistoryKind
        /// The event's `id` (UUIDv7); for a status row, `history-` and a random UUIDv4.
        public var id: String
        /// The event's `seq`; nil for status rows, which are not numbered.
        public var seq: Int64?
        /// Wall time in nanoseconds since the Unix epoch; rows of the boot that was running when the clock synced are
        /// corrected then (`timeSynced` true).
        public var wallNs: Int64
        /// False while `wallNs` is the unsynchronised clock's reading (a board without an RTC may show 1970).
        public var timeSynced: Bool
        /// The stored bytes: an event's fields (`event` then holds them) or a status payload.
        public var payload: [UInt8]
        /// The event of an event row stored as its fields (schema 3); nil for status rows and older event rows.
        public var event: Event?
        /// The row failed its checksum (schema 4; a card returned altered bytes): `payload` is not what was stored,
        /// and must not be shown or sent as if it were.
        public var checksumFailed = false

        /// The payload as the platform got it live: an event rendered from its fields with the time as corrected
        /// since (`time_synced`), any other row as stored.
        public var payloadAsSent: [UInt8] {
            event?.jsonBytes(seq: seq, wallNs: wallNs, timeSynced: timeSynced, historical: false) ?? payload
        }
    }

    /// The history since `sinceWallNs`, of `kinds`, the newest `limit` rows, oldest first.
    public func history(sinceWallNs: Int64, kinds: Set<HistoryKind>, limit: Int) throws(OutboxError) -> [HistoryRow] {
        try state.withLock { state throws(OutboxError) in
            try run("reading the history", state.db) { db in
                try Self.history(db, sinceWallNs, kinds, limit, version: Self.schemaVersion)
            }
        }
    }

    /// Reads the history of the outbox file at `path` without writing to it (another process, the agent, may
    /// be running): `hoistwatch history`.
    public static func readHistory(
        path: String, sinceWallNs: Int64, kinds: Set<HistoryKind>, limit: Int
    )
        throws(OutboxError) -> [HistoryRow]
    {
        do {
            let db = try SQLiteConnection(path: path, create: false, readOnly: true)
            try db.execute("PRAGMA busy_timeout=5000")
            let version = try db.scalarInt64("PRAGMA user_version") ?? 0
            guard version >= 2 else {
                throw OutboxError(
                    code: .io, path: path,
                    message: "this outbox has no history yet (schema "
                        + "\(version)): the agent adds it at its next start", underlying: nil)
            }
            return try history(db, sinceWallNs, kinds, limit, version: version)
        } catch let error as OutboxError {
            throw error
        } catch let error as SQLiteError {
            throw OutboxError.wrapping(error, path: path, during: "reading the history")
        } catch {
            throw OutboxError(code: .io, path: path, message: "failed reading the history: \(error)", underlying: nil)
        }
    }

    /// `version`: the file's schema (an agent not restarted since the upgrade has an older one): 3 added the
    /// `format`, 4 the checksum, verified here.
    private static func history(
        _ db: SQLiteConnection, _ sinceWallNs: Int64, _ kinds: Set<HistoryKind>,
        _ limit: Int, version: Int64
    ) throws -> [HistoryRow] {
        let kindList = kinds.map { String($0.rawValue) }.sorted().joined(separator: ",")
        let statement = try db.prepare(
            "SELECT kind, id, seq, wall_ns, time_synced, payload, \(version >= 3 ? "format" : "0"), "
                + "\(version >= 4 ? "checksum" : "NULL") FROM history "
                + "WHERE wall_ns >= ? AND kind IN (\(kindList)) ORDER BY position DESC LIMIT ?")
        try statement.bind(sinceWallNs, at: 1)
        try statement.bind(Int64(limit), at: 2)
        var rows: [HistoryRow] = []
        while try statement.step() {
            let payload = statement.bytes(5)
            var row = HistoryRow(
                kind: HistoryKind(rawValue: statement.int64(0)) ?? .event, id: statement.text(1),
                seq: statement.isNull(2) ? nil : statement.int64(2), wallNs: statement.int64(3),
                timeSynced: statement.int64(4) != 0, payload: payload,
                event: statement.int64(6) == 1 ? EventRecord.decode(payload) : nil)
            if !statement.isNull(7) {
                row.checksumFailed =
                    statement.int64(7) != PayloadChecksum.of(id: row.id, topic: "", payload: payload, seq: row.seq)
            }
            if statement.int64(6) == 1 && row.event == nil { row.checksumFailed = true }
            if row.checksumFailed { row.event = nil }
            rows.append(row)
        }
        return rows.reversed()
    }
}
