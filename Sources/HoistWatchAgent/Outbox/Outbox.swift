import Dispatch
import HoistWatchSystem

/// The durable outbox: every message the agent must deliver, in SQLite on disk, until the broker's PUBACK.
///
/// ## Durability choices
///
/// Power can be cut at any instant, and an entry reported as stored must never be lost. The database runs with
/// `journal_mode=WAL` and `synchronous=FULL`:
///
/// - With `synchronous=FULL` in WAL mode, every COMMIT ends with an fsync of the write-ahead log, so when
///   `append` returns the entry is on the storage medium. (`NORMAL` in WAL mode only syncs at checkpoints:
///   it stays consistent after power loss but may roll back the last commits, which is exactly "reported as
///   stored, then lost".)
/// - WAL rather than the rollback journal: one sequential write and one fsync per commit instead of journal,
///   database and journal-delete writes with several fsyncs, which is faster and wears an SD card or eMMC
///   less; and a reader (the `diag` command in another process) does not block the agent's writes.
/// - Each append assigns the event seq (stored in the `meta` table) in the same transaction as the insert, so
///   after a power cut either both are there or neither is: a seq is never handed out twice and never skipped
///   except by a drop that is counted.
/// - `journal_size_limit` keeps the WAL file from staying large after a burst; `PRAGMA quick_check` at open
///   turns a damaged file into a clear `OutboxError` before the agent relies on it.
///
/// These guarantees hold when the storage honours fsync (SD cards with a power-loss-safe controller, eMMC,
/// or a filesystem on top of them mounted without `nobarrier`).
///
/// The outbox stores an event's fields (`EventRecord`) and any other message's bytes as they are. Thread-safe:
/// every call takes one lock.
public final class Outbox: Sendable {
    /// The default size cap: 64 MiB of `OutboxEntry.storedBytes`.
    public static let defaultCapBytes: Int64 = 64 * 1024 * 1024

    /// The schema version this build writes, kept in `PRAGMA user_version`.
    public static let schemaVersion: Int64 = 3

    /// The database file.
    public let path: String
    /// The cap on the sum of `OutboxEntry.storedBytes`. The file on disk is larger by SQLite's page and WAL
    /// overhead.
    public let capBytes: Int64

    struct State {
        var db: SQLiteConnection
        var totalBytes: Int64
        var appendObserver: (@Sendable () -> Void)?
    }

    let state: Locked<State>
    /// The serial queue of the services' outbox calls (`perform`, `performAndWait`).
    let writer = DispatchQueue(label: "hoistwatch.outbox-writer")

    /// Opens or creates the outbox at `path` (`sqlite3_open_v2`), sets the journal and sync modes, checks the
    /// file and creates or checks the schema.
    ///
    /// - Throws: `OutboxError` naming the file: `.notADatabase` or `.corrupt` for a damaged file,
    ///   `.cannotOpen`, `.newerSchema`.
    public init(path: String, capBytes: Int64 = Outbox.defaultCapBytes) throws(OutboxError) {
        self.path = path
        self.capBytes = capBytes
        let db: SQLiteConnection
        do {
            db = try SQLiteConnection(path: path)
        } catch {
            throw OutboxError.wrapping(error, path: path, during: "opening")
        }
        let totalBytes = try Self.prepare(db, path: path)
        state = Locked(State(db: db, totalBytes: totalBytes))
    }

    /// Calls `observer` after every append that stored an entry, outside the lock. One observer; the MQTT link
    /// service installs itself so it learns there is something to send.
    public func setAppendObserver(_ observer: (@Sendable () -> Void)?) {
        state.withLock { $0.appendObserver = observer }
    }

    /// Appends an event, giving it the next seq in the same transaction. Durable when it returns.
    ///
    /// `makeEntry` receives the seq and returns the entry to store (the caller builds the payload with the seq
    /// in it). If the outbox would exceed its cap, older entries are dropped, least important class first
    /// (see `OutboxAppendResult`).
    @discardableResult
    public func appendEvent(_ makeEntry: @escaping (_ seq: Int64) throws -> OutboxEntry) throws -> OutboxAppendResult {
        try append(batch: [.event(makeEntry)])[0]
    }

    /// Appends a message that is not an event (status, flight record): no seq is used. Durable when it returns.
    @discardableResult
    public func append(_ entry: OutboxEntry) throws -> OutboxAppendResult {
        try append(batch: [.message(entry)])[0]
    }

    /// One item of a batch append.
    public enum BatchItem {
        /// An event: gets the next seq.
        case event((_ seq: Int64) throws -> OutboxEntry)
        /// A status message or flight record: no seq.
        case message(OutboxEntry)
    }

    /// Appends several items in ONE transaction (one fsync: group commit), in order; all or none are stored.
    /// The detection loop stores each tick's events this way, so a burst costs one commit, not one per event.
    /// Durable when it returns; one result per item.
    @discardableResult
    public func append(batch items: [BatchItem]) throws -> [OutboxAppendResult] {
        guard !items.isEmpty else { return [] }
        let (results, observer) = try state.withLock { state -> ([OutboxAppendResult], (@Sendable () -> Void)?) in
            var totalBytes = state.totalBytes
            let results = try run("appending", state.db) { db in
                try db.transaction { () throws -> [OutboxAppendResult] in
                    var results: [OutboxAppendResult] = []
                    results.reserveCapacity(items.count)
                    var lastSeq: Int64?
                    for item in items {
                        var entry: OutboxEntry
                        switch item {
                        case .event(let makeEntry):
                            let seq = try (lastSeq ?? Self.meta(db, .lastSeq)) + 1
                            lastSeq = seq
                            entry = try makeEntry(seq)
                            entry.seq = seq
                        case .message(let message):
                            entry = message
                        }
                        var dropped = OutboxDropCounters()
                        let stored = try Self.makeRoom(db, for: entry, cap: capBytes, total: &totalBytes, &dropped)
                        if entry.seq != nil { try Self.insertHistory(db, entry, kind: .event) }
                        if stored {
                            try Self.insert(db, entry)
                            totalBytes += entry.storedBytes
                        } else {
                            dropped[entry.priority] += 1
                        }
                        try Self.addDrops(db, dropped)
                        results.append(OutboxAppendResult(seq: entry.seq, stored: stored, dropped: dropped))
                    }
                    if let lastSeq { try Self.setMeta(db, .lastSeq, lastSeq) }
                    return results
                }
            }
            state.totalBytes = totalBytes
            return (results, results.contains(where: \.stored) ? state.appendObserver : nil)
        }
        observer?()
        return results
    }

    /// The last seq handed out (0 before the first event).
    public func lastSeq() throws(OutboxError) -> Int64 {
        try state.withLock { state throws(OutboxError) in
            try run("reading the last seq", state.db) { try Self.meta($0, .lastSeq) }
        }
    }

    /// Up to `limit` waiting entries in send order: alarms, warnings, info, status, each in insertion (seq)
    /// order, skipping the ids in `excluding` (those already in flight).
    public func pending(limit: Int, excluding: Set<String> = []) throws(OutboxError) -> [OutboxEntry] {
        try pending(limit: limit, after: .start, excluding: { excluding.contains($0) })
    }

    /// Up to `limit` waiting entries in send order, each class starting after `cursor`'s position for it, skipping
    /// the ids for which `isExcluded` is true (in flight, or acknowledged and not yet removed). With a cursor that
    /// follows what was handed out, a refill reads only new rows (one indexed range per class).
    public func pending(
        limit: Int, after cursor: OutboxSendCursor, excluding isExcluded: (String) -> Bool
    ) throws(OutboxError) -> [OutboxEntry] {
        guard limit > 0 else { return [] }
        return try state.withLock { state throws(OutboxError) in
            try run("reading pending entries", state.db) { db in
                let statement = try db.cached(
                    "SELECT position, id, seq, priority, topic, payload, retained, mono_ns, boot_id, wall_ns, "
                        + "time_synced, format FROM outbox WHERE priority = ? AND position > ? ORDER BY position")
                defer { statement.reset() }
                var entries: [OutboxEntry] = []
                for priority in OutboxPriority.allCases where entries.count < limit {
                    statement.reset()
                    try statement.bind(Int64(priority.rawValue), at: 1)
                    try statement.bind(cursor.position(in: priority), at: 2)
                    // Stepped only as far as needed; the id first, so an excluded row costs no payload copy.
                    while entries.count < limit, try statement.step() {
                        if isExcluded(statement.text(1)) { continue }
                        entries.append(Self.entry(from: statement))
                    }
                }
                return entries
            }
        }
    }

    /// Removes the entry with this id (after its PUBACK). Returns false when it was not there (already removed,
    /// or dropped while in flight).
    @discardableResult
    public func remove(id: String) throws(OutboxError) -> Bool {
        try remove(ids: [id]) == 1
    }

    /// Removes every entry of `ids` in one transaction (one fsync for a whole batch of PUBACKs); returns how many
    /// were there. Ids already gone (removed before, or dropped while in flight) are skipped.
    @discardableResult
    public func remove(ids: [String]) throws(OutboxError) -> Int {
        guard !ids.isEmpty else { return 0 }
        return try state.withLock { state throws(OutboxError) in
            var totalBytes = state.totalBytes
            let removed = try run("removing acknowledged entries", state.db) { db -> Int in
                // One transaction for the whole batch: one commit (fsync), not one per row.
                try db.transaction { () throws -> Int in
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
                    totalBytes -= freed
                    return count
                }
            }
            state.totalBytes = totalBytes
            return removed
        }
    }

    /// Count, bytes and oldest entry waiting.
    public func depth() throws(OutboxError) -> OutboxDepth {
        try state.withLock { state throws(OutboxError) in
            try run("reading the depth", state.db) { db in
                var depth = OutboxDepth(
                    count: 0, bytes: state.totalBytes, oldestMonoNs: nil, oldestBootId: nil, countByPriority: [:])
                let byClass = try db.prepare("SELECT priority, count(*) FROM outbox GROUP BY priority")
                while try byClass.step() {
                    if let priority = OutboxPriority(rawValue: Int(byClass.int64(0))) {
                        depth.countByPriority[priority] = Int(byClass.int64(1))
                        depth.count += Int(byClass.int64(1))
                    }
                }
                let oldest = try db.prepare("SELECT mono_ns, boot_id FROM outbox ORDER BY position LIMIT 1")
                if try oldest.step() {
                    depth.oldestMonoNs = oldest.int64(0)
                    depth.oldestBootId = oldest.text(1)
                }
                return depth
            }
        }
    }

    /// Entries dropped for space since the outbox was created, per class.
    public func droppedCounts() throws(OutboxError) -> OutboxDropCounters {
        try state.withLock { state throws(OutboxError) in
            try run("reading drop counters", state.db) { db in
                var counters = OutboxDropCounters()
                for priority in OutboxPriority.allCases {
                    counters[priority] = try Self.meta(db, .dropped(priority))
                }
                return counters
            }
        }
    }

    /// Persists the connection `session` counter (durable when it returns): the link raises it for every connect
    /// attempt, before it connects, so the will and birth of two attempts never share a number.
    public func recordSession(_ session: Int64) throws(OutboxError) {
        try state.withLock { state throws(OutboxError) in
            try run("storing the session counter", state.db) { db in try Self.setMeta(db, .session, session) }
        }
    }

    /// The current `session` counter (0 before the first connect).
    public func session() throws(OutboxError) -> Int64 {
        try state.withLock { state throws(OutboxError) in
            try run("reading the session counter", state.db) { try Self.meta($0, .session) }
        }
    }

    /// Rewrites the wall time of entries made during boot `bootId` while the clock was not synchronised.
    ///
    /// Call it once the clock syncs, with `wallMinusMonoNs` = (wall clock now) − (monotonic clock now): each
    /// such entry gets `wallNs = monoNs + wallMinusMonoNs` and `timeSynced = true`. This is the one place
    /// that corrects time: an event's payload is rendered from these fields when it is sent
    /// (`OutboxEntry.payloadToSend`). Entries of other boots cannot be corrected
    /// (their monotonic clock is gone) and keep `timeSynced = false`. Returns how many entries changed.
    @discardableResult
    public func correctTimes(bootId: String, wallMinusMonoNs: Int64) throws(OutboxError) -> Int {
        try state.withLock { state throws(OutboxError) in
            try run("correcting wall times", state.db) { db in
                try db.transaction {
                    let statement = try db.prepare(
                        "UPDATE outbox SET wall_ns = mono_ns + ?, time_synced = 1 "
                            + "WHERE boot_id = ? AND time_synced = 0")
                    try statement.bind(wallMinusMonoNs, at: 1)
                    try statement.bind(bootId, at: 2)
                    try statement.step()
                    let changed = db.changes
                    try Self.correctHistoryTimes(db, bootId: bootId, wallMinusMonoNs: wallMinusMonoNs)
                    return changed
                }
            }
        }
    }

    /// The highest `position` stored so far (0 when empty). Entries at or below the value taken when a
    /// connection comes up are backlog.
    public func highestPosition() throws(OutboxError) -> Int64 {
        try state.withLock { state throws(OutboxError) in
            try run("reading the highest position", state.db) {
                try $0.scalarInt64("SELECT max(position) FROM outbox") ?? 0
            }
        }
    }

    /// Runs `body` and turns any SQLite failure into an `OutboxError` naming this file.
    func run<Result>(
        _ action: String, _ db: SQLiteConnection, _ body: (SQLiteConnection) throws -> Result
    )
        throws(OutboxError) -> Result
    {
        do {
            return try body(db)
        } catch let error as SQLiteError {
            throw OutboxError.wrapping(error, path: path, during: action)
        } catch let error as OutboxError {
            throw error
        } catch {
            throw OutboxError(code: .io, path: path, message: "failed while \(action): \(error)", underlying: nil)
        }
    }
}
