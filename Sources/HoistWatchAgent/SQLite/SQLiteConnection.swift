import CSQLite
import Glibc

/// One open SQLite database: owns the `sqlite3*` handle (`sqlite3_open_v2` in `init`, `sqlite3_close_v2` in
/// `deinit`). Not thread-safe on its own: the owner serialises access (the `Outbox` holds a lock).
final class SQLiteConnection {
    let handle: OpaquePointer
    let path: String
    /// Statements of the hot paths (append, pending, remove), compiled once: see `cached(_:)`.
    private var statementCache: [String: SQLiteStatement] = [:]

    /// Opens (and with `create`, creates) the database at `path` with `sqlite3_open_v2`.
    init(path: String, create: Bool = true, readOnly: Bool = false) throws(SQLiteError) {
        var db: OpaquePointer?
        // NOMUTEX: the owner's lock already serialises every call; SQLite's own mutex would be a second one.
        let flags =
            (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0))
            | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard let db else {
            throw SQLiteError(resultCode: rc, message: String(cString: sqlite3_errstr(rc)), context: "open")
        }
        do {
            try check(rc, db, "open")
        } catch {
            // sqlite3_open_v2 allocates a handle even when it fails; it must still be closed.
            sqlite3_close_v2(db)
            throw error
        }
        sqlite3_extended_result_codes(db, 1)
        // Asked to write, SQLite opens a file it cannot write read-only without a word (a card mounted read-only
        // whose database kept its -wal and -shm): every write would then fail for the connection's life, even once
        // the card is writable again. Refused here, so the owner knows at once and opens anew later.
        if !readOnly && sqlite3_db_readonly(db, "main") == 1 {
            sqlite3_close_v2(db)
            var error = SQLiteError(
                resultCode: SQLITE_READONLY, message: "the database file can only be opened read-only",
                context: "open")
            error.systemErrno = access(path, W_OK) == 0 ? 0 : errno
            throw error
        }
        handle = db
        self.path = path
    }

    deinit {
        statementCache.removeAll()  // finalized before the close
        sqlite3_close_v2(handle)
    }

    /// Runs SQL without results (`sqlite3_exec`); several statements may be separated by `;`.
    func execute(_ sql: String) throws(SQLiteError) {
        try check(sqlite3_exec(handle, sql, nil, nil, nil), handle, sql)
    }

    /// Compiles one statement (`sqlite3_prepare_v2`).
    func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        try SQLiteStatement(connection: self, sql: sql)
    }

    /// The statement for `sql`, compiled on first use and kept for the connection's life, reset and with no
    /// bindings. The caller resets it again when done (`defer { statement.reset() }`): a SELECT left between rows
    /// would hold its read snapshot open and keep WAL checkpoints from completing.
    func cached(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let statement = statementCache[sql] { return statement.reset() }
        let statement = try SQLiteStatement(connection: self, sql: sql, retainingConnection: false)
        statementCache[sql] = statement
        return statement
    }

    /// Reads a single integer, as from `PRAGMA user_version` or `SELECT count(*)`.
    func scalarInt64(_ sql: String) throws(SQLiteError) -> Int64? {
        let statement = try prepare(sql)
        guard try statement.step() else { return nil }
        return statement.isNull(0) ? nil : statement.int64(0)
    }

    /// Reads a single text value, as from `PRAGMA journal_mode`.
    func scalarText(_ sql: String) throws(SQLiteError) -> String? {
        let statement = try prepare(sql)
        guard try statement.step() else { return nil }
        return statement.isNull(0) ? nil : statement.text(0)
    }

    /// Runs `body` inside `BEGIN IMMEDIATE` ... `COMMIT`, rolling back if it throws.
    ///
    /// IMMEDIATE takes the write lock up front, so a reader in another process (the `diag` command) can never
    /// make the commit fail half-way with `SQLITE_BUSY` after work was done.
    func transaction<Result>(_ body: () throws -> Result) throws -> Result {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE (`sqlite3_changes`).
    var changes: Int { Int(sqlite3_changes(handle)) }
}
