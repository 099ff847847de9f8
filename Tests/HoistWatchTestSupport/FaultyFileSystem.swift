import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A card that starts returning I/O errors: `scripts/faultyfs.c`, a FUSE file system passing every call through to
/// a folder of the test's, mounted on a fresh folder. On request every write, flush to media, size change, create
/// and delete answers `EIO` (`failWrites()`), or reads too (`failEverything()`), until `heal()`. The errors come from
/// the kernel's VFS to the program above as from a failing device (this machine's kernel has no device-mapper, so
/// no `dm-error`). Unmounted and stopped when released.
///
/// Needs root, `/dev/fuse` and the program, which `make test` builds into `.build/tools/faultyfs` (libfuse3-dev)
/// and names in `HOISTWATCH_FAULTYFS`. With that variable set the tests that use it must run (`isRequired`): a
/// missing piece then fails them instead of skipping them.
public final class FaultyFileSystem: @unchecked Sendable {
    // @unchecked Sendable: `path` and `pid` never change; the file system is only touched through system calls.
    /// Where it is mounted.
    public let path: String
    private let directory: TestDirectory
    private let pid: pid_t

    /// The program: `HOISTWATCH_FAULTYFS`, else `.build/tools/faultyfs` in this repository.
    public static let toolPath: String =
        ProcessInfo.processInfo.environment["HOISTWATCH_FAULTYFS"] ?? Repository.path(".build/tools/faultyfs")

    /// `make test` asks for these tests to run (it built the program and named it).
    public static let isRequired = ProcessInfo.processInfo.environment["HOISTWATCH_FAULTYFS"] != nil

    /// Whether a FUSE file system can be mounted here: root, `/dev/fuse`, the program.
    public static let isAvailable: Bool =
        geteuid() == 0 && access("/dev/fuse", R_OK | W_OK) == 0 && access(toolPath, X_OK) == 0

    /// The reason the I/O error tests are skipped when neither `isAvailable` nor `isRequired`.
    public static let unavailableReason =
        "needs root, /dev/fuse and .build/tools/faultyfs (built by `make test` from scripts/faultyfs.c, libfuse3-dev)"

    /// Mounts it on a new folder, backed by another new folder, healthy.
    public init() throws {
        directory = try TestDirectory("faulty-fs")
        path = directory.file("mnt")
        let backing = directory.file("backing")
        for folder in [path, backing] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let log = directory.file("faultyfs.log")
        pid = try ChildProgram.spawn(Self.toolPath, [backing, path], stdoutPath: log, stderrPath: log)
        let deadline = ContinuousClock.now + .seconds(10)
        while !Self.isMounted(path) {
            guard ContinuousClock.now < deadline, ChildProgram.exitCodeIfEnded(pid) == nil else {
                kill(pid, SIGKILL)
                let said = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                throw TestSetupError(description: "faultyfs did not mount \(path): \(said)")
            }
            usleep(20_000)
        }
    }

    private static func isMounted(_ path: String) -> Bool {
        let mounts = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        return mounts.split(separator: "\n").contains { $0.split(separator: " ").dropFirst().first == Substring(path) }
    }

    /// From now on every write, flush (`fsync`), truncate, create, rename and delete fails with `EIO`; reads work.
    public func failWrites() { kill(pid, SIGUSR1) }

    /// As `failWrites()`, and reads fail with `EIO` too.
    public func failEverything() { kill(pid, SIGWINCH) }

    /// Every call works again.
    public func heal() { kill(pid, SIGUSR2) }

    deinit {
        _ = try? runProgram("/bin/umount", ["-l", path])
        kill(pid, SIGTERM)
        _ = ChildProgram.waitForExit(pid)
    }
}
