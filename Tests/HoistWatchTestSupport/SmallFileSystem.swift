import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real, small file system made for one test: a `tmpfs` of `sizeMiB` mounted on a fresh folder, so a test can fill
/// it (`fill()`: ENOSPC as on a full SD card), remount it read-only (`mount -o remount,ro`, as the kernel does to a
/// card after errors) and give the space back. Unmounted and removed when released.
///
/// Mounting needs root (CI runs as root): `isAvailable` says whether it can be done here, for `.enabled(if:)`.
public final class SmallFileSystem: @unchecked Sendable {
    // @unchecked Sendable: `path` never changes; the file system is only touched through system calls and `mount`.
    /// Where it is mounted.
    public let path: String
    private let directory: TestDirectory
    private var fillers = 0

    /// Whether this process may mount a tmpfs (it is root and `mount` works): the storage tests need it.
    public static let isAvailable: Bool = {
        guard geteuid() == 0, let probe = try? SmallFileSystem(sizeMiB: 1) else { return false }
        return access(probe.path, W_OK) == 0
    }()

    /// The reason the storage tests are skipped when `isAvailable` is false.
    public static let unavailableReason =
        "needs root to mount a tmpfs (mount -t tmpfs -o size=...): a real small file system to fill and remount read-only"

    /// Mounts a tmpfs of `sizeMiB` MiB on a new folder.
    public init(sizeMiB: Int) throws {
        directory = try TestDirectory("small-fs")
        path = directory.file("mnt")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let status = try runProgram("/bin/mount", ["-t", "tmpfs", "-o", "size=\(sizeMiB)m,mode=0755", "tmpfs", path])
        guard status == 0 else { throw TestSetupError(description: "mount -t tmpfs on \(path) exited \(status)") }
    }

    deinit {
        _ = try? runProgram("/bin/umount", ["-l", path])
    }

    /// Free bytes (`statvfs`).
    public var freeBytes: Int64 {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return -1 }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    /// Writes filler files until the file system is full (ENOSPC); returns the bytes written.
    @discardableResult
    public func fill() -> Int64 {
        fillers += 1
        let fd = open("\(path)/filler-\(fillers)", O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0x5A, count: 64 * 1024)
        var written: Int64 = 0
        var size = chunk.count
        while size > 0 {
            let count = chunk.withUnsafeBytes { write(fd, $0.baseAddress, size) }
            if count > 0 {
                written += Int64(count)
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                size /= 2  // the last few KiB in smaller writes, down to the last page
            }
        }
        return written
    }

    /// Deletes every filler file: the space comes back.
    public func freeFillers() {
        for index in 0...fillers { unlink("\(path)/filler-\(index)") }
    }

    /// `mount -o remount,ro`: every write from now on fails with EROFS, open files included.
    public func remountReadOnly() throws {
        let status = try runProgram("/bin/mount", ["-o", "remount,ro", path])
        guard status == 0 else { throw TestSetupError(description: "remount,ro of \(path) exited \(status)") }
    }

    /// `mount -o remount,rw`: writable again.
    public func remountReadWrite() throws {
        let status = try runProgram("/bin/mount", ["-o", "remount,rw", path])
        guard status == 0 else { throw TestSetupError(description: "remount,rw of \(path) exited \(status)") }
    }
}
