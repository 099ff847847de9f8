import Glibc
import HoistWatchCore

/// Space kept free for the outbox on its file system: a file of `bytes` in the state folder, written when there is
/// room and deleted at the first `full` failure, so that removing acknowledged entries (a delete needs room in the
/// write-ahead log too) and the commits after it can go on, and the outbox recovers by itself once the broker has
/// taken what was queued. Written again once the file system has three times its size free.
///
/// Not thread-safe: the outbox calls it under its lock.
final class StorageReserve: Sendable {
    /// The default: 4 MiB, a few thousand removals and their checkpoint.
    static let defaultBytes = Outbox.defaultReserveBytes

    let path: String
    let bytes: Int64

    init(path: String, bytes: Int64 = StorageReserve.defaultBytes) {
        self.path = path
        self.bytes = bytes
    }

    /// Whether the reserve file is there at its full size.
    var isHeld: Bool {
        var info = stat()
        return stat(path, &info) == 0 && Int64(info.st_size) >= bytes
    }

    /// Writes the reserve when it is not there and the file system has room for three of it (`posix_fallocate`,
    /// then `fsync`); returns whether it is held afterwards.
    @discardableResult
    func ensure() -> Bool {
        if isHeld { return true }
        guard let free = FreeSpace.availableBytes(at: Self.folder(of: path)), free >= 3 * bytes else { return false }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard posix_fallocate(fd, 0, off_t(bytes)) == 0, fsync(fd) == 0 else {
            unlink(path)
            return false
        }
        return true
    }

    /// Deletes the reserve (`unlink`), freeing its space; returns whether there was one.
    @discardableResult
    func release() -> Bool { unlink(path) == 0 }

    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

/// The free space of a file system, for the reserve and the start-up check against the caps.
public enum FreeSpace {
    /// Bytes an unprivileged process may still write on the file system holding `path` (`statvfs`: `f_bavail` x
    /// `f_frsize`); nil when it cannot be read.
    public static func availableBytes(at path: String) -> Int64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }
}

extension FreeSpace {
    /// What an `SQLITE_IOERR` on a file in `folder` means: SQLite does not keep the errno of the failed call
    /// (`sqlite3_system_errno` is often 0 by the time it is read), and a file system the kernel turned read-only
    /// after an error (ext4 `errors=remount-ro`, "emergency_ro") still shows as writable to `statvfs` and
    /// `access`. So the folder is probed: creating a file there fails with `EROFS` (read-only) or `ENOSPC` (full);
    /// when it works (the probe is removed at once) the folder is full if less than 64 KiB is free, else the
    /// failure was an I/O error.
    static func probe(folder: String) -> StorageFailureCause {
        let probe = "\(folder)/.hoistwatch-probe-\(getpid())"
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            switch errno {
            case EROFS: return .readOnly
            case ENOSPC, EDQUOT: return .full
            default: return .ioError
            }
        }
        close(fd)
        unlink(probe)
        if let free = availableBytes(at: folder), free < 64 * 1024 { return .full }
        return .ioError
    }
}
