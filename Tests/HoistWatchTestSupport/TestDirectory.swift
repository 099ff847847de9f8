import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A fresh folder under the system temp folder, removed when the value is released.
public final class TestDirectory: @unchecked Sendable {
    // @unchecked Sendable: `path` never changes; the folder is only touched through the file system.
    /// The folder's absolute path (`{temp}/{name}-XXXXXXXX`).
    public let path: String

    /// A folder named `name-XXXXXXXX`. `reachableByOtherUsers` makes it one another user (`OtherUser`) can enter:
    /// mode 755, under a temp folder whose every ancestor from `/` other users may traverse (the system temp folder
    /// if so, else `/tmp` or `/var/tmp`), whatever this user's umask and `TMPDIR`.
    public init(_ name: String = "hoistwatch-agent", reachableByOtherUsers: Bool = false) throws {
        let base =
            reachableByOtherUsers
            ? try Self.temporaryFolderOthersCanReach() : FileManager.default.temporaryDirectory.path
        path = "\(base)/\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        if reachableByOtherUsers { chmod(path, 0o755) }
    }

    static func temporaryFolderOthersCanReach() throws -> String {
        let system = FileManager.default.temporaryDirectory.path
        guard let reachable = [system, "/tmp", "/var/tmp"].first(where: isTraversableByOthers) else {
            throw TestSetupError(
                description: "no temp folder other users can reach: \(system), /tmp and /var/tmp (or a folder above "
                    + "them) lack o+x")
        }
        return reachable
    }

    /// Whether `folder` and every folder above it are folders other users may pass through (o+x).
    static func isTraversableByOthers(_ folder: String) -> Bool {
        var path = ""
        var chain = ["/"]
        for component in folder.split(separator: "/") {
            path += "/" + component
            chain.append(path)
        }
        return chain.allSatisfy { folder in
            var info = stat()
            return stat(folder, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR && info.st_mode & S_IXOTH != 0
        }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The path of `name` inside the folder; nothing is created.
    public func file(_ name: String) -> String { "\(path)/\(name)" }

    /// Writes `text` as UTF-8 to `name` in the folder, atomically (a temporary file renamed over it). The file is
    /// not made private: a test that needs that sets the mode itself, as `AgentProcess` does for `site.toml`.
    public func write(_ name: String, _ text: String) throws {
        try text.write(toFile: file(name), atomically: true, encoding: .utf8)
    }
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass (scaled by `WallClockScale`); returns whether it
/// held.
public func eventually(within seconds: Double = 10, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(WallClockScale.seconds(seconds) * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// Runs a program to completion (blocking this thread; for programs that end within a second or two) and returns
/// its exit status; standard output and error go to `logFile` if given.
@discardableResult
public func runProgram(_ path: String, _ arguments: [String], logFile: String? = nil) throws -> Int32 {
    let output = logFile ?? "/dev/null"
    if let logFile { _ = FileManager.default.createFile(atPath: logFile, contents: nil) }
    return try ChildProgram.run(path, arguments, stdoutPath: output, stderrPath: output)
}

/// `runProgram` that awaits the exit instead of blocking a thread of the cooperative pool (2 on this machine):
/// a selftest that runs for half a minute must not starve the other suites' link services meanwhile.
@discardableResult
public func runProgramAsync(
    _ path: String, _ arguments: [String], logFile: String? = nil,
    stdinPath: String = "/dev/null"
) async throws -> Int32 {
    let output = logFile ?? "/dev/null"
    if let logFile { _ = FileManager.default.createFile(atPath: logFile, contents: nil) }
    return try await ChildProgram.runAwaitingExit(
        path, arguments, stdinPath: stdinPath, stdoutPath: output,
        stderrPath: output)
}
