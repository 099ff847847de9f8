import Dispatch
import HoistWatchCore
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

    /// The default cap on what is held in memory while the database cannot store: 8 MiB (`UnsavedEntries`).
    public static let defaultUnsavedCapBytes: Int64 = 8 * 1024 * 1024
    /// The default space reserve kept free beside the database: 4 MiB (`StorageReserve`).
    public static let defaultReserveBytes: Int64 = 4 * 1024 * 1024

    /// The schema version this build writes, kept in `PRAGMA user_version`.
    public static let schemaVersion: Int64 = 4

    /// The database file.
    public let path: String
    /// The cap on the sum of `OutboxEntry.storedBytes`. The file on disk is larger by SQLite's page and WAL
    /// overhead.
    public let capBytes: Int64

    struct State {
        var db: SQLiteConnection
        var totalBytes: Int64
        var appendObserver: (@Sendable () -> Void)?
        /// The last seq handed out, stored or held in memory (`unsaved`).
        var lastSeq: Int64
        /// The highest position handed out, stored or held in memory: positions are given here, so an entry held in
        /// memory keeps its place when it is stored later.
        var lastPosition: Int64
        /// What the high-water mark file holds (as last written).
        var mark: SeqHighWaterMark.Mark
        /// Entries the database could not store, published from memory (`UnsavedEntries`).
        var unsaved: UnsavedEntries
        /// While true, appends go to memory without trying the database; `retryUnsaved()` tries it.
        var storeFailing = false
        /// Acknowledged entries whose removal the database refused; removed with the next commit, never sent again.
        var pendingRemovals: Set<String> = []
        /// Positions of rows that failed their checksum and could not be moved aside yet; never sent.
        var quarantined: Set<Int64> = []
        /// What the store did, for `storage_fault` and the status message.
        var health: OutboxStorageHealth
        /// The database could not be opened for writing (a read-only card at start): `db` is an in-memory one,
        /// never committed to, until `reopenDurable()` opens the file.
        var memoryOnly = false
        /// Raised each time `db` is replaced (`reopenDurable()`): positions may then lie below what the link read.
        var storeGeneration = 0
    }

    let state: Locked<State>
    /// The serial queue of the services' outbox calls (`perform`, `performAndWait`).
    let writer = DispatchQueue(label: "hoistwatch.outbox-writer")
    /// The space kept free on the outbox's file system (`StorageReserve`); nil when disabled.
    let reserve: StorageReserve?
    /// The persisted bound on every seq handed out, outside the database.
    let highWaterMark: SeqHighWaterMark
    /// What happened at open when the database was damaged or lost; nil after a normal open.
    public let recovery: OutboxRecovery?
    /// True while the database could not be opened for writing at all (a read-only card at start): everything is
    /// held in memory and published from there, never stored, until `reopenDurable()` opens the file (the
    /// detection loop tries every 30 s) or the agent is restarted on a writable card.
    public var isMemoryOnly: Bool { state.withLock { $0.memoryOnly } }

    /// Raised each time the outbox moves to another database (`reopenDurable()`): the link then reads every class
    /// from the start again, since the file's entries and the moved ones may lie below what it read.
    public func storeGeneration() -> Int { state.withLock { $0.storeGeneration } }

    /// Opens or creates the outbox at `path` (`sqlite3_open_v2`), sets the journal and sync modes, checks the
    /// file and creates or checks the schema. Seqs continue above the high-water mark file `{path}.seq` when the
    /// database holds fewer than it (created anew, or an older copy): `recovery` then says so.
    ///
    /// `unsavedCapBytes` bounds what is held in memory while the database cannot store (`UnsavedEntries`);
    /// `reserveBytes` is the space kept free in `{path}.reserve` (`StorageReserve`, 0: none).
    ///
    /// - Throws: `OutboxError` naming the file: `.notADatabase` or `.corrupt` for a damaged file,
    ///   `.cannotOpen`, `.newerSchema`. `openRecovering` moves a damaged file aside instead.
    public convenience init(
        path: String, capBytes: Int64 = Outbox.defaultCapBytes,
        unsavedCapBytes: Int64 = Outbox.defaultUnsavedCapBytes, reserveBytes: Int64 = Outbox.defaultReserveBytes
    ) throws(OutboxError) {
        try self.init(
            path: path, capBytes: capBytes, unsavedCapBytes: unsavedCapBytes, reserveBytes: reserveBytes,
            movedAside: nil)
    }

    init(
        path: String, capBytes: Int64, unsavedCapBytes: Int64, reserveBytes: Int64,
        movedAside: OutboxRecovery?, memoryOnly: StorageFailureCause? = nil, seqFloor: Int64 = 0
    ) throws(OutboxError) {
        self.path = path
        self.capBytes = capBytes
        let db: SQLiteConnection
        do {
            // Memory only: an in-memory database of the same schema, never committed to (`commitOrHold`).
            db = try SQLiteConnection(path: memoryOnly == nil ? path : ":memory:")
        } catch {
            throw OutboxError.wrapping(error, path: path, during: "opening")
        }
        let opened = try Self.prepare(db, path: path, inMemory: memoryOnly != nil)
        highWaterMark = SeqHighWaterMark(path: path + ".seq")
        reserve = reserveBytes > 0 ? StorageReserve(path: path + ".reserve", bytes: reserveBytes) : nil
        var lastSeq = opened.lastSeq
        var recovery = movedAside
        var floor = max(movedAside?.highestReadableSeq ?? 0, seqFloor)
        let mark = highWaterMark.read()
        // Seqs published from memory and lost with the agent (never stored) are not handed out again.
        if let published = mark?.published, published > lastSeq, !opened.created { floor = max(floor, published) }
        // A database holding fewer seqs than were stored (created anew, emptied, an older copy; a consistent one is
        // within two blocks of the mark) was lost or replaced: continue above the mark.
        if let reserved = mark?.reserved, reserved > lastSeq,
            opened.created || lastSeq < reserved - 2 * SeqHighWaterMark.block
        {
            floor = max(floor, reserved)
            if recovery == nil {
                recovery = OutboxRecovery(
                    reason: opened.created
                        ? "the database was missing or empty" : "the database holds fewer seqs than were handed out",
                    movedTo: nil, highestReadableSeq: opened.created ? nil : opened.lastSeq, resumedAfterSeq: reserved)
            }
        }
        if floor > lastSeq {
            lastSeq = floor
            do {
                try db.transaction { try Self.setMeta(db, .lastSeq, floor) }
            } catch {
                let underlying = error as? SQLiteError
                throw OutboxError(
                    code: .io, path: path, message: "could not continue the seq above \(floor): \(error)",
                    underlying: underlying)
            }
        }
        recovery?.resumedAfterSeq = lastSeq
        self.recovery = recovery
        var health = OutboxStorageHealth(unsavedCapBytes: unsavedCapBytes)
        health.corrupt = opened.corrupt
        if let memoryOnly {
            health.failures[memoryOnly] = 1
            health.lastFailure = memoryOnly
        }
        state = Locked(
            State(
                db: db, totalBytes: opened.totalBytes, lastSeq: lastSeq, lastPosition: opened.lastPosition,
                mark: SeqHighWaterMark.Mark(reserved: lastSeq, published: mark?.published ?? 0),
                unsaved: UnsavedEntries(capBytes: unsavedCapBytes),
                storeFailing: memoryOnly != nil, health: health, memoryOnly: memoryOnly != nil))
        if memoryOnly == nil { reserve?.ensure() }
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

    /// The last seq handed out (0 before the first event).
    public func lastSeq() throws(OutboxError) -> Int64 {
        state.withLock { $0.lastSeq }
    }

    /// Up to `limit` waiting entries in send order: alarms, warnings, info, status, each in insertion (seq)
    /// order, skipping the ids in `excluding` (those already in flight).
    public func pending(limit: Int, excluding: Set<String> = []) throws(OutboxError) -> [OutboxEntry] {
        try pending(limit: limit, after: .start, excluding: { excluding.contains($0) })
    }

    /// Up to `limit` waiting entries in send order, each class starting after `cursor`'s position for it, skipping
    /// the ids for which `isExcluded` is true (in flight, or acknowledged and not yet removed). With a cursor that
    /// follows what was handed out, a refill reads only new rows (one indexed range per class).
    ///
    /// Entries held in memory (the database could not store them) are merged in by position, marked not durable.
    /// A stored row whose checksum fails is never returned: it is moved aside and counted (`quarantine`). When the
    /// database cannot be read the entries in memory are still returned.
    public func pending(
        limit: Int, after cursor: OutboxSendCursor, excluding isExcluded: (String) -> Bool
    ) throws(OutboxError) -> [OutboxEntry] {
        guard limit > 0 else { return [] }
        return try state.withLock { state throws(OutboxError) in
            var stored: [OutboxEntry] = []
            var damaged: [(position: Int64, priority: OutboxPriority)] = []
            let quarantined = state.quarantined
            let removing = state.pendingRemovals
            do throws(OutboxError) {
                stored = try run("reading pending entries", state.db) { db in
                    let statement = try db.cached(
                        "SELECT position, id, seq, priority, topic, payload, retained, mono_ns, boot_id, wall_ns, "
                            + "time_synced, format, checksum FROM outbox WHERE priority = ? AND position > ? "
                            + "ORDER BY position")
                    defer { statement.reset() }
                    var entries: [OutboxEntry] = []
                    for priority in OutboxPriority.allCases where entries.count < limit {
                        statement.reset()
                        try statement.bind(Int64(priority.rawValue), at: 1)
                        try statement.bind(cursor.position(in: priority), at: 2)
                        // Stepped only as far as needed; the id first, so an excluded row costs no payload copy.
                        while entries.count < limit, try statement.step() {
                            let id = statement.text(1)
                            if isExcluded(id) || removing.contains(id) { continue }
                            let position = statement.int64(0)
                            if quarantined.contains(position) { continue }
                            guard let entry = Self.verifiedEntry(from: statement) else {
                                damaged.append((position, priority))
                                continue
                            }
                            entries.append(entry)
                        }
                    }
                    return entries
                }
            } catch {
                guard let cause = storageCause(of: error) else { throw error }
                Self.noteFailure(&state, cause, error)
            }
            if !damaged.isEmpty { quarantine(&state, damaged: damaged) }
            let held = state.unsaved.pending(limit: limit, after: cursor) { isExcluded($0) }
            guard !held.isEmpty else { return stored }
            let merged = (stored + held).sorted { ($0.priority, $0.position) < ($1.priority, $1.position) }
            return Array(merged.prefix(limit))
        }
    }

    /// Removes the entry with this id (after its PUBACK). Returns false when it was not there (already removed,
    /// or dropped while in flight).
    @discardableResult
    public func remove(id: String) throws(OutboxError) -> Bool {
        try remove(ids: [id]) == 1
    }

    /// Removes every entry of `ids` in one transaction (one fsync for a whole batch of PUBACKs); returns how many
    /// were there. Ids already gone (removed before, or dropped while in flight) are skipped. Entries held in memory
    /// are marked acknowledged there; when the database refuses the removal (a storage failure), the ids are kept
    /// and removed with the next commit that works, and never sent again meanwhile.
    @discardableResult
    public func remove(ids: [String]) throws(OutboxError) -> Int {
        guard !ids.isEmpty else { return 0 }
        return try state.withLock { state throws(OutboxError) in
            let held = state.unsaved.acknowledge(ids)
            if !held.isEmpty { Self.noteUnsaved(&state) }
            let toRemove = held.isEmpty ? ids : ids.filter { !held.contains($0) }
            guard !toRemove.isEmpty else { return held.count }
            do throws(OutboxError) {
                let (count, freed) = try run("removing acknowledged entries", state.db) { db in
                    // One transaction for the whole batch: one commit (fsync), not one per row.
                    try db.transaction { try Self.deleteRows(db, ids: toRemove) }
                }
                state.totalBytes -= freed
                Self.noteSuccess(&state)
                return count + held.count
            } catch {
                guard let cause = storageCause(of: error) else { throw error }
                Self.noteFailure(&state, cause, error)
                state.pendingRemovals.formUnion(toRemove)
                return toRemove.count + held.count
            }
        }
    }

    /// Count, bytes and oldest entry waiting in the database; `unsaved` counts what waits in memory.
    public func depth() throws(OutboxError) -> OutboxDepth {
        try state.withLock { state throws(OutboxError) in
            try run("reading the depth", state.db) { db in
                var depth = OutboxDepth(
                    count: 0, bytes: state.totalBytes, oldestMonoNs: nil, oldestBootId: nil, countByPriority: [:])
                depth.unsaved = state.unsaved.waitingCount
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

    /// Entries dropped since the outbox was created, per class: for space (at the cap, or at the memory cap while the
    /// database could not store) and for a failed checksum. Counts not yet stored (the database failing) included.
    public func droppedCounts() throws(OutboxError) -> OutboxDropCounters {
        try state.withLock { state throws(OutboxError) in
            let held = state.unsaved.dropped
            return try run("reading drop counters", state.db) { db in
                var counters = OutboxDropCounters()
                for priority in OutboxPriority.allCases {
                    counters[priority] = try Self.meta(db, .dropped(priority)) + held[priority]
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
            let held = state.unsaved.correctTimes(bootId: bootId, wallMinusMonoNs: wallMinusMonoNs)
            return try held
                + run("correcting wall times", state.db) { db in
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

    /// The highest `position` handed out so far, stored or held in memory (0 before the first entry). Entries at or
    /// below the value taken when a connection comes up are backlog.
    public func highestPosition() throws(OutboxError) -> Int64 {
        state.withLock { $0.lastPosition }
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
