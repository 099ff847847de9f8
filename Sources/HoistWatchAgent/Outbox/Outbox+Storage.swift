/// Schema, pragmas and row-level helpers of the outbox.
extension Outbox {
    /// Keys of the `meta` table, which holds the durable counters.
    enum MetaKey {
        case lastSeq, session, corrupt
        case dropped(OutboxPriority)

        var name: String {
            switch self {
            case .lastSeq: "last_seq"
            case .session: "session"
            case .corrupt: "corrupt"
            case .dropped(let priority): "dropped.\(priority)"
            }
        }
    }

    /// What a row's `payload` holds (schema version 3): 0, the bytes sent as they are; 1, an event's fields
    /// (`EventRecord`), rendered when sent.
    static let formatColumn = """
        ALTER TABLE outbox ADD COLUMN format INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE history ADD COLUMN format INTEGER NOT NULL DEFAULT 0;

        """

    /// Schema version 4: a checksum of every row (`PayloadChecksum`; NULL on rows stored before, which are not
    /// checked), and the table rows that failed it are moved to.
    static let checksumColumn = """
        ALTER TABLE outbox ADD COLUMN checksum INTEGER;
        ALTER TABLE history ADD COLUMN checksum INTEGER;
        CREATE TABLE set_aside(
            position INTEGER NOT NULL,
            id TEXT NOT NULL,
            seq INTEGER,
            priority INTEGER NOT NULL,
            topic TEXT NOT NULL,
            payload BLOB NOT NULL,
            checksum INTEGER
        );

        """

    /// What `prepare` found.
    struct Opened {
        var totalBytes: Int64
        /// The file had no schema yet: this open created the outbox.
        var created: Bool
        var lastSeq: Int64
        var lastPosition: Int64
        var corrupt: Int64
    }

    /// Sets the pragmas, checks the file and the schema version; returns what is stored.
    static func prepare(_ db: SQLiteConnection, path: String, inMemory: Bool = false) throws(OutboxError) -> Opened {
        do {
            // Waits for a lock another connection holds (the last one closing checkpoints the WAL) instead of failing.
            try db.execute("PRAGMA busy_timeout=5000")
            // Reading the schema first makes a garbage file fail here, with SQLITE_NOTADB.
            let version = try db.scalarInt64("PRAGMA user_version") ?? 0
            if version > schemaVersion {
                throw OutboxError(
                    code: .newerSchema, path: path,
                    message: "schema version \(version) was written by a newer HoistWatch (this one knows "
                        + "\(schemaVersion)); upgrade the agent or move the file aside", underlying: nil)
            }
            let check = try db.scalarText("PRAGMA quick_check") ?? "ok"
            if check != "ok" {
                throw OutboxError(
                    code: .corrupt, path: path,
                    message: "the database is damaged (quick_check: \(check)); move it aside so the agent can "
                        + "create a new outbox, and keep the old file for inspection", underlying: nil)
            }
            let mode = try db.scalarText("PRAGMA journal_mode=WAL")
            if mode?.lowercased() != "wal" && !inMemory {
                throw OutboxError(
                    code: .io, path: path,
                    message: "SQLite refused write-ahead logging (journal_mode is \(mode ?? "unknown")); the "
                        + "outbox must be on a local filesystem", underlying: nil)
            }
            try db.execute("PRAGMA synchronous=FULL")
            try db.execute("PRAGMA journal_size_limit=4194304")
            if version >= 1 && version <= 3 {
                // Version 2 added the local history, version 3 the `format` of outbox rows (rows of an older
                // version are sent as they were stored: format 0), version 4 the checksums.
                try db.transaction {
                    try db.execute(
                        (version == 1 ? historySchema : "") + (version <= 2 ? formatColumn : "") + checksumColumn
                            + "PRAGMA user_version = \(schemaVersion);")
                }
            }
            if version == 0 {
                try db.transaction {
                    try db.execute(
                        """
                        CREATE TABLE outbox(
                            -- AUTOINCREMENT: a position is never reused, even after the rows above it were
                            -- removed, so "position <= highest at CONNACK" always means "was waiting then".
                            position INTEGER PRIMARY KEY AUTOINCREMENT,
                            id TEXT NOT NULL UNIQUE,
                            seq INTEGER,
                            priority INTEGER NOT NULL,
                            topic TEXT NOT NULL,
                            payload BLOB NOT NULL,
                            retained INTEGER NOT NULL,
                            mono_ns INTEGER NOT NULL,
                            boot_id TEXT NOT NULL,
                            wall_ns INTEGER NOT NULL,
                            time_synced INTEGER NOT NULL,
                            bytes INTEGER NOT NULL
                        );
                        CREATE INDEX outbox_send_order ON outbox(priority, position);
                        CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
                        """ + historySchema + formatColumn + checksumColumn
                            + "PRAGMA user_version = \(schemaVersion);")
                }
            }
            return Opened(
                totalBytes: try db.scalarInt64("SELECT coalesce(sum(bytes), 0) FROM outbox") ?? 0,
                created: version == 0, lastSeq: try meta(db, .lastSeq),
                lastPosition: max(
                    try db.scalarInt64("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'") ?? 0,
                    try db.scalarInt64("SELECT max(position) FROM outbox") ?? 0),
                corrupt: try meta(db, .corrupt))
        } catch let error as OutboxError {
            throw error
        } catch let error as SQLiteError {
            throw OutboxError.wrapping(error, path: path, during: "opening")
        } catch {
            throw OutboxError(code: .io, path: path, message: "failed while opening: \(error)", underlying: nil)
        }
    }

    static func meta(_ db: SQLiteConnection, _ key: MetaKey) throws -> Int64 {
        let statement = try db.cached("SELECT value FROM meta WHERE key = ?")
        defer { statement.reset() }
        try statement.bind(key.name, at: 1)
        return try statement.step() ? statement.int64(0) : 0
    }

    static func setMeta(_ db: SQLiteConnection, _ key: MetaKey, _ value: Int64) throws {
        let statement = try db.cached(
            "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        defer { statement.reset() }
        try statement.bind(key.name, at: 1)
        try statement.bind(value, at: 2)
        try statement.step()
    }

    static func addDrops(_ db: SQLiteConnection, _ dropped: OutboxDropCounters) throws {
        for priority in OutboxPriority.allCases where dropped[priority] > 0 {
            try setMeta(db, .dropped(priority), try meta(db, .dropped(priority)) + dropped[priority])
        }
    }

    /// Drops stored entries until `entry` fits under `cap`: the least important class first (status, info,
    /// warning, alarm), oldest first within a class. Returns false when `entry` itself must be dropped instead:
    /// it is larger than the cap, or everything left is more important than it.
    static func makeRoom(
        _ db: SQLiteConnection, for entry: OutboxEntry, cap: Int64, total: inout Int64,
        _ dropped: inout OutboxDropCounters
    ) throws -> Bool {
        if entry.storedBytes > cap { return false }
        guard total + entry.storedBytes > cap else { return true }
        let victim = try db.prepare(
            "SELECT position, priority, bytes FROM outbox ORDER BY priority DESC, position ASC LIMIT 1")
        let delete = try db.prepare("DELETE FROM outbox WHERE position = ?")
        while total + entry.storedBytes > cap {
            victim.reset()
            guard try victim.step() else { return false }
            let position = victim.int64(0)
            let priority = OutboxPriority(rawValue: Int(victim.int64(1))) ?? .status
            if priority < entry.priority { return false }
            total -= victim.int64(2)
            delete.reset()
            try delete.bind(position, at: 1)
            try delete.step()
            dropped[priority] += 1
        }
        return true
    }

    static func insert(_ db: SQLiteConnection, _ entry: OutboxEntry) throws {
        let statement = try db.cached(
            "INSERT INTO outbox(id, seq, priority, topic, payload, retained, mono_ns, boot_id, wall_ns, "
                + "time_synced, bytes, format, position, checksum) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        defer { statement.reset() }
        try statement.bind(entry.id, at: 1)
        try statement.bind(entry.seq, at: 2)
        try statement.bind(Int64(entry.priority.rawValue), at: 3)
        try statement.bind(entry.topic, at: 4)
        try statement.bind(entry.payload, at: 5)
        try statement.bind(entry.retained ? 1 : 0, at: 6)
        try statement.bind(entry.monoNs, at: 7)
        try statement.bind(entry.bootId, at: 8)
        try statement.bind(entry.wallNs, at: 9)
        try statement.bind(entry.timeSynced ? 1 : 0, at: 10)
        try statement.bind(entry.storedBytes, at: 11)
        try statement.bind(entry.event == nil ? 0 : 1, at: 12)
        // The position was given by the outbox (`State.lastPosition`), so an entry held in memory keeps its place.
        try statement.bind(entry.position, at: 13)
        try statement.bind(PayloadChecksum.of(entry), at: 14)
        try statement.step()
    }

    /// The entry of a row selected as `entry(from:)` reads it with its `checksum` after `format`; nil when the row
    /// fails its checksum, or claims to hold an event's fields that do not decode (a row stored before checksums).
    static func verifiedEntry(from row: SQLiteStatement) -> OutboxEntry? {
        let entry = entry(from: row)
        if !row.isNull(12) {
            guard row.int64(12) == PayloadChecksum.of(entry) else { return nil }
        }
        if row.int64(11) == 1 && entry.event == nil { return nil }
        return entry
    }

    /// Deletes the rows of `ids`; returns how many there were and the bytes they counted.
    static func deleteRows(_ db: SQLiteConnection, ids: [String]) throws -> (count: Int, freed: Int64) {
        // SELECT then DELETE rather than DELETE ... RETURNING, which needs SQLite 3.35.
        let size = try db.cached("SELECT bytes FROM outbox WHERE id = ?")
        let delete = try db.cached("DELETE FROM outbox WHERE id = ?")
        defer {
            size.reset()
            delete.reset()
        }
        var count = 0
        var freed: Int64 = 0
        for id in ids {
            size.reset()
            try size.bind(id, at: 1)
            guard try size.step() else { continue }
            let bytes = size.int64(0)
            delete.reset()
            try delete.bind(id, at: 1)
            try delete.step()
            freed += bytes
            count += 1
        }
        return (count, freed)
    }

    /// Reads a row selected as `position, id, seq, priority, topic, payload, retained, mono_ns, boot_id,
    /// wall_ns, time_synced, format`.
    static func entry(from row: SQLiteStatement) -> OutboxEntry {
        var entry = OutboxEntry(
            id: row.text(1),
            seq: row.isNull(2) ? nil : row.int64(2),
            priority: OutboxPriority(rawValue: Int(row.int64(3))) ?? .status,
            topic: row.text(4),
            payload: row.bytes(5),
            retained: row.int64(6) != 0,
            monoNs: row.int64(7),
            bootId: row.text(8),
            wallNs: row.int64(9),
            timeSynced: row.int64(10) != 0)
        entry.position = row.int64(0)
        if row.int64(11) == 1 { entry.event = EventRecord.decode(entry.payload) }
        return entry
    }
}
