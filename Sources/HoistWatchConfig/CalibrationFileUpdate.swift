import FoundationEssentials
import HoistWatchCore
import HoistWatchFiles

#if canImport(Glibc)
import Glibc
#endif

/// Writes new values into a unit's calibration file the way an installer can trust:
/// - only the values change: comments and layout stay (`TOMLTextEdit`);
/// - the result is parsed again (`Calibration.parse`) and refused, with nothing written, if it is not valid;
/// - the old file is first copied to `<file>.<UTC time>.bak` (fsynced), so no run ever loses the previous values;
/// - read, change and replace happen under an exclusive `flock` of the folder (two wizards at once);
/// - the new text goes to a temporary file in the same folder, is fsynced, given the old file's mode and
///   owner, and renamed over the old one, then the folder is fsynced: a power cut or Ctrl-C at any instant
///   leaves either the old file or the new one, never half of one.
public enum CalibrationFileUpdate {
    /// Why the file could not be written; the description names the file and what to do.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// The sentence the technician reads: the file, what failed, and what to do.
        public var description: String
    }

    /// Checks up front (before a technician spends ten minutes on a wizard) that the file and its folder can be
    /// written by this user.
    public static func checkWritable(_ path: String) throws(Failure) {
        let folder = folderOf(path)
        if access(path, W_OK) != 0 || access(folder, W_OK) != 0 {
            throw Failure(
                description: "\(path): cannot write the calibration file or its folder "
                    + "(\(String(cString: strerror(errno)))): run the wizard as root (sudo) or as the file's owner")
        }
    }

    /// Applies `updates` to the file; returns the backup's path. `nowNs` (CLOCK_REALTIME) names the backup.
    @discardableResult
    public static func apply(
        _ updates: [TOMLTextEdit.Update], to path: String, nowNs: Int64 = realtimeNs()
    )
        throws -> String
    {
        // Two wizards finishing at once must not lose one's values: read-modify-write under a lock on the folder.
        let folder = folderOf(path)
        let lock = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if lock >= 0 { _ = flock(lock, LOCK_EX) }
        defer { if lock >= 0 { close(lock) } }
        let old = try TextFile.read(path)
        let new = TOMLTextEdit.apply(updates, to: old)
        do {
            _ = try Calibration.parse(toml: new)
        } catch {
            throw Failure(
                description: "\(path): the new values would make the file invalid, nothing was written: "
                    + error.description)
        }
        // 2026-11-23T05:19:34.123Z -> 20261123T051934Z
        let stamp = WallTime.rfc3339(ns: nowNs).prefix(19).filter { $0 != "-" && $0 != ":" } + "Z"
        let backup = "\(path).\(stamp).bak"
        var status = stat()
        guard stat(path, &status) == 0 else { throw failure(path, "cannot stat") }
        try writeDurably(Array(old.utf8), to: backup, mode: status.st_mode & 0o7777, owner: status)
        let temporary = "\(path).tmp-\(getpid())"
        do {
            try writeDurably(Array(new.utf8), to: temporary, mode: status.st_mode & 0o7777, owner: status)
            guard rename(temporary, path) == 0 else { throw failure(path, "cannot replace") }
        } catch {
            unlink(temporary)
            throw error
        }
        syncFolder(of: path)
        return backup
    }

    private static func writeDurably(_ bytes: [UInt8], to path: String, mode: mode_t, owner: stat) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure(path, "cannot create") }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(path, "cannot write")
            }
            written += count
        }
        // Keep the installer's owner and mode (root may run the wizard on a file owned by the service user).
        _ = fchmod(fd, mode)
        if getuid() == 0 { _ = fchown(fd, owner.st_uid, owner.st_gid) }
        guard fsync(fd) == 0 else { throw failure(path, "cannot fsync") }
    }

    private static func syncFolder(of path: String) {
        let folder = folderOf(path)
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// The folder part of a path ("." for a bare file name).
    static func folderOf(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The wall clock (CLOCK_REALTIME), ns since the Unix epoch: what backup names are stamped with.
    public static func realtimeNs() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    private static func failure(_ path: String, _ what: String) -> Failure {
        Failure(description: "\(path): \(what): \(String(cString: strerror(errno)))")
    }
}
