import CSQLite
import Glibc
import HoistWatchCore

extension StorageFailureCause {
    /// The `storage_fault` cause of an outbox failure; nil for failures that are not the storage's (a duplicate id,
    /// a newer schema): those are the caller's to report.
    ///
    /// The operating system's errno comes first: SQLite reports a write refused by a file system remounted
    /// read-only as `SQLITE_IOERR_WRITE`, with `EROFS` behind it.
    public init?(_ error: OutboxError) {
        if error.code == .corrupt || error.code == .notADatabase {
            self = .corrupt
            return
        }
        guard let underlying = error.underlying else {
            if error.code == .io {
                self = .ioError
                return
            }
            return nil
        }
        switch underlying.systemErrno {
        case ENOSPC, EDQUOT:
            self = .full
            return
        case EROFS:
            self = .readOnly
            return
        default:
            break
        }
        switch underlying.primaryCode {
        case SQLITE_FULL: self = .full
        case SQLITE_READONLY: self = .readOnly
        case SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_NOLFS: self = .ioError
        case SQLITE_CORRUPT, SQLITE_NOTADB: self = .corrupt
        default: return nil
        }
    }
}
