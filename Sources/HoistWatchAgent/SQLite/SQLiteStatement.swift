import CSQLite

/// One prepared statement: owns the `sqlite3_stmt*` (`sqlite3_prepare_v2` in `init`, `sqlite3_finalize` in
/// `deinit`) and keeps its connection alive, except for the statements the connection itself caches (which it
/// finalizes before it closes).
final class SQLiteStatement {
    /// The connection, retained; nil for a statement in the connection's own cache (no reference cycle).
    private let owner: SQLiteConnection?
    /// The `sqlite3*` the statement belongs to, for error messages.
    private let db: OpaquePointer
    private let handle: OpaquePointer
    private let sql: String

    init(connection: SQLiteConnection, sql: String, retainingConnection: Bool = true) throws(SQLiteError) {
        var statement: OpaquePointer?
        try check(sqlite3_prepare_v2(connection.handle, sql, -1, &statement, nil), connection.handle, sql)
        guard let statement else {
            throw SQLiteError(resultCode: SQLITE_MISUSE, message: "empty statement", context: sql)
        }
        self.owner = retainingConnection ? connection : nil
        self.db = connection.handle
        self.handle = statement
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Clears previous bindings and rewinds (`sqlite3_reset`, `sqlite3_clear_bindings`), ready for new values.
    @discardableResult
    func reset() -> SQLiteStatement {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        return self
    }

    /// Binds an integer to the 1-based parameter `index` (`sqlite3_bind_int64`).
    func bind(_ value: Int64, at index: Int32) throws(SQLiteError) {
        try check(sqlite3_bind_int64(handle, index, value), db, sql)
    }

    /// Binds an optional integer; nil binds NULL.
    func bind(_ value: Int64?, at index: Int32) throws(SQLiteError) {
        if let value {
            try bind(value, at: index)
        } else {
            try check(sqlite3_bind_null(handle, index), db, sql)
        }
    }

    /// Binds text (`sqlite3_bind_text` with `SQLITE_TRANSIENT`, so SQLite copies it).
    func bind(_ value: String, at index: Int32) throws(SQLiteError) {
        try check(sqlite3_bind_text(handle, index, value, -1, hw_sqlite_transient()), db, sql)
    }

    /// Binds bytes as a BLOB (`sqlite3_bind_blob`); an empty array binds a zero-length blob, not NULL.
    func bind(_ value: [UInt8], at index: Int32) throws(SQLiteError) {
        let rc = value.withUnsafeBytes { buffer -> Int32 in
            guard let base = buffer.baseAddress, buffer.count > 0 else {
                return sqlite3_bind_zeroblob(handle, index, 0)
            }
            return sqlite3_bind_blob(handle, index, base, Int32(buffer.count), hw_sqlite_transient())
        }
        try check(rc, db, sql)
    }

    /// Advances (`sqlite3_step`): true when a row is available, false when done.
    @discardableResult
    func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(handle)
        try check(rc, db, sql)
        return rc == SQLITE_ROW
    }

    /// True when column `index` of the current row is NULL.
    func isNull(_ index: Int32) -> Bool { sqlite3_column_type(handle, index) == SQLITE_NULL }

    /// Column `index` of the current row as an integer (`sqlite3_column_int64`).
    func int64(_ index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }

    /// Column `index` as text (`sqlite3_column_text`); NULL reads as "".
    func text(_ index: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, index) else { return "" }
        return String(cString: pointer)
    }

    /// Column `index` as bytes (`sqlite3_column_blob`, `sqlite3_column_bytes`).
    func bytes(_ index: Int32) -> [UInt8] {
        // The blob pointer first, then its size: the order SQLite's documentation asks for.
        let pointer = sqlite3_column_blob(handle, index)
        let count = Int(sqlite3_column_bytes(handle, index))
        guard count > 0, let pointer else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
