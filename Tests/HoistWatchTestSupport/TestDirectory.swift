import Foundation


/// A fresh folder under the system temp folder, removed when the value is released.
public final class TestDirectory: @unchecked Sendable {
    // @unchecked Sendable: `path` never changes; the folder is only touched through the file system.
    public let path: String

    public init(_ name: String = "hoistwatch-agent") throws {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    public func file(_ name: String) -> String { "\(path)/\(name)" }

    public func write(_ name: String, _ text: String) throws {
        try text.write(toFile: file(name), atomically: true, encoding: .utf8)
    }
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass; returns whether it held.
public func eventually(within seconds: Double = 10, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
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
public func runProgramAsync(_ path: String, _ arguments: [String], logFile: String? = nil,
                     stdinPath: String = "/dev/null") async throws -> Int32 {
    let output = logFile ?? "/dev/null"
    if let logFile { _ = FileManager.default.createFile(atPath: logFile, contents: nil) }
    return try await ChildProgram.runAwaitingExit(path, arguments, stdinPath: stdinPath, stdoutPath: output,
                                                  stderrPath: output)
}
