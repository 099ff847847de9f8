import CSQLite

/// A failed SQLite call: the result code and SQLite's own message for it.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// The extended result code (`SQLITE_NOTADB`, `SQLITE_CORRUPT`, `SQLITE_IOERR_FSYNC`, ...).
    public let resultCode: Int32
    /// `sqlite3_errmsg` at the time of the failure, or `sqlite3_errstr` when no connection exists.
    public let message: String
    /// What the wrapper was doing ("open", "prepare", "step", the SQL text).
    public let context: String
    /// The operating system's `errno` of the last failed file call (`sqlite3_system_errno`): tells a read-only
    /// file system (`EROFS`) or a full one (`ENOSPC`) behind an `SQLITE_IOERR`; 0 when unknown.
    public var systemErrno: Int32 = 0

    /// The primary result code (the low byte of the extended code).
    public var primaryCode: Int32 { resultCode & 0xFF }

    /// True when SQLite says the file is not a database or is damaged.
    public var isCorruption: Bool { primaryCode == SQLITE_NOTADB || primaryCode == SQLITE_CORRUPT }

    /// SQLite's message, the code and what was being done.
    public var description: String {
        let os = systemErrno != 0 ? ", errno \(systemErrno)" : ""
        return "\(message) (SQLite code \(resultCode)\(os), during \(context))"
    }
}

/// The one place SQLite return codes become errors: `SQLITE_OK`, `SQLITE_ROW` and `SQLITE_DONE` pass,
/// anything else throws with the connection's message.
@discardableResult
func check(
    _ resultCode: Int32, _ db: OpaquePointer?, _ context: @autoclosure () -> String
) throws(SQLiteError)
    -> Int32
{
    switch resultCode {
    case SQLITE_OK, SQLITE_ROW, SQLITE_DONE:
        return resultCode
    default:
        let message: String
        if let db, let text = sqlite3_errmsg(db) {
            message = String(cString: text)
        } else {
            message = String(cString: sqlite3_errstr(resultCode))
        }
        var error = SQLiteError(resultCode: resultCode, message: message, context: context())
        if let db { error.systemErrno = sqlite3_system_errno(db) }
        throw error
    }
}
