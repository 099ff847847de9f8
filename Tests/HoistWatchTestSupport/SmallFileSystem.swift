import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real, small file system made for one test, mounted on a fresh folder: a `tmpfs`, or an ext4 image on a loop
/// device mounted `errors=remount-ro` as a card's usually is. A test can fill it (`fill()`: ENOSPC as on a full SD
/// card) and give the space back, remount it read-only, and (ext4) make the kernel turn it read-only by itself as
/// after a card's write error (`failReadOnly()`). Unmounted and removed when released.
///
/// `mount -o remount,ro` is refused (EBUSY) while any file is open for writing, which the outbox always has: a
/// running agent's card becomes read-only only the kernel's way, which `failReadOnly()` triggers.
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

    /// The kind of file system.
    public enum Kind: Sendable {
        /// RAM-backed, any size.
        case tmpfs
        /// An ext4 image (`mkfs.ext4`) on a loop device, `errors=remount-ro`.
        case ext4
    }

    /// Mounts a file system of `sizeMiB` MiB on a new folder.
    public init(sizeMiB: Int, kind: Kind = .tmpfs) throws {
        directory = try TestDirectory("small-fs")
        path = directory.file("mnt")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let status: Int32
        switch kind {
        case .tmpfs:
            status = try runProgram("/bin/mount", ["-t", "tmpfs", "-o", "size=\(sizeMiB)m,mode=0755", "tmpfs", path])
        case .ext4:
            let image = directory.file("card.img")
            guard try runProgram("/usr/bin/truncate", ["-s", "\(sizeMiB)M", image]) == 0,
                try runProgram("/sbin/mkfs.ext4", ["-q", "-F", image]) == 0
            else { throw TestSetupError(description: "mkfs.ext4 of \(image) failed") }
            status = try runProgram("/bin/mount", ["-o", "loop,errors=remount-ro", image, path])
        }
        guard status == 0 else { throw TestSetupError(description: "mounting \(kind) on \(path) exited \(status)") }
    }

    /// ext4 only: the kernel's reaction to a failed write on a card mounted `errors=remount-ro` (the ext4
    /// `trigger_fs_error` attribute): from now on every write fails with EROFS, files already open included, until it
    /// is unmounted.
    public func failReadOnly() throws {
        let mounts = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        guard
            let line = mounts.split(separator: "\n").first(where: {
                $0.split(separator: " ").dropFirst().first == Substring(path)
            }),
            let device = line.split(separator: " ").first?.split(separator: "/").last
        else { throw TestSetupError(description: "\(path) is not in /proc/mounts") }
        let attribute = "/sys/fs/ext4/\(device)/trigger_fs_error"
        guard (try? "1".write(toFile: attribute, atomically: false, encoding: .utf8)) != nil else {
            throw TestSetupError(description: "cannot write \(attribute)")
        }
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
