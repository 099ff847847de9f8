import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `hoistwatch run` as a real child process (spawned like the test brokers, with an empty signal mask) (the binary `swift build --build-tests` put beside the test bundle),
/// with a site config in its own folder, so tests can SIGKILL it like a power cut.
public final class AgentProcess: @unchecked Sendable {
    // @unchecked Sendable: one test drives one agent from one task; `pid` is only touched by start/stop/kill.
    /// The agent's own temp folder: `site.toml`, `agent.log` and the state folder `state/`; removed with the value.
    public let directory: TestDirectory
    /// `site.toml` in `directory`, mode 600 (the agent refuses a site config other users have any access to).
    public let configPath: String
    /// `agent.log` in `directory`: the agent's stderr, appended to across restarts.
    public let logPath: String
    private var pid: pid_t?
    private(set) var starts = 0
    /// The agent's `state_dir`: `state/` in `directory` unless the test gave another (a small file system).
    public let stateDirectory: String

    /// The running agent's process id (nil when not started or stopped), for reading its `/proc` entries.
    public var processID: pid_t? { pid }

    /// The `device_id` of every site config written here, so tests know the agent's topics.
    public static let deviceId = "37010000000000000001"
    /// The topic prefix the agent publishes under: the site config names none, so it is the default.
    public static let prefix = "hoistwatch/v1"

    /// The `hoistwatch` executable next to the test bundle.
    public static var executable: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var candidates = [bundle.appendingPathComponent("hoistwatch").path]
        // swift-testing may run from the .xctest bundle's folder or from inside it.
        candidates.append(bundle.deletingLastPathComponent().appendingPathComponent("hoistwatch").path)
        candidates.append(FileManager.default.currentDirectoryPath + "/.build/debug/hoistwatch")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    /// `executable` placed in `directory` as `hoistwatch`, for another user (`OtherUser`) to run from a
    /// `TestDirectory(reachableByOtherUsers: true)` when the build's own may sit in a folder they cannot enter.
    /// Returns its path there.
    ///
    /// A hard link where the folder is on the build's file system and the binary is executable by others: it is never
    /// open for writing, so no program another test starts meanwhile can inherit a writing descriptor to it (exec
    /// would fail with "Text file busy" as long as one is open). Else a copy (mode 755), written through a descriptor
    /// closed on exec.
    public static func executable(in directory: TestDirectory) throws -> String {
        let copy = directory.file("hoistwatch")
        var info = stat()
        if stat(executable, &info) == 0, info.st_mode & S_IXOTH != 0, link(executable, copy) == 0 { return copy }
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: executable)))
        let descriptor = open(copy, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
        guard descriptor >= 0 else {
            throw TestSetupError(description: "cannot create \(copy): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 || (written < 0 && errno == EINTR) else {
                throw TestSetupError(description: "cannot write \(copy): \(String(cString: strerror(errno)))")
            }
            offset += max(written, 0)
        }
        fchmod(descriptor, 0o755)
        return copy
    }

    /// A scenario's time scale as run here: above 1, divided by `WallClockScale.factor` (not below 1), so that a
    /// plant simulated many times slower under emulation still keeps up with its clock, and the tests' waits, scaled
    /// by the same factor, still see the same events.
    public static func paced(_ timeScale: Double) -> Double {
        timeScale > 1 ? max(1, timeScale / WallClockScale.factor) : timeScale
    }

    /// Repository root (for Scenarios/ and Calibration/).
    public static var repository: String { Repository.root }

    /// Writes `site.toml` (mode 600) for a simulated elevator publishing to 127.0.0.1:`port`.
    /// `calibration` is taken from the repository unless absolute; `plantCalibration` (repository) is the
    /// simulated plant's truth when it differs from the agent's calibration. `reachableByOtherUsers` puts the
    /// agent's folder where another user can enter it (`TestDirectory`); the files in it keep their own modes.
    /// `topicPrefix` sets `broker.topic_prefix` (default: none, so `prefix`).
    public init(
        port: Int, scenario: String, calibration: String = "Calibration/demo-elevator.toml", loop: Bool,
        timeScale: Double, statusIntervalS: Double = 60, outboxCapMiB: Double? = nil,
        plantCalibration: String? = nil, reachableByOtherUsers: Bool = false, stateDirectory: String? = nil,
        historyCapMiB: Double? = nil, topicPrefix: String? = nil
    ) throws {
        directory = try TestDirectory("agent", reachableByOtherUsers: reachableByOtherUsers)
        configPath = directory.file("site.toml")
        logPath = directory.file("agent.log")
        self.stateDirectory = stateDirectory ?? directory.file("state")
        var text = """
            device_id = "\(Self.deviceId)"
            board = "sim"
            calibration = "\(calibration.hasPrefix("/") ? calibration : "\(Self.repository)/\(calibration)")"
            state_dir = "\(self.stateDirectory)"\(historyCapMiB.map { "\nhistory_cap_mib = \($0)" } ?? "")
            status_interval_s = \(statusIntervalS)
            log_level = "info"

            [broker]
            host = "127.0.0.1"
            port = \(port)
            \(topicPrefix.map { "topic_prefix = \"\($0)\"" } ?? "")

            [sim]
            scenario = "\(Self.repository)/\(scenario)"
            loop = \(loop)
            time_scale = \(Self.paced(timeScale))

            """
        if let plantCalibration { text += "plant_calibration = \"\(Self.repository)/\(plantCalibration)\"\n" }
        if let outboxCapMiB { text += "\n[outbox]\ncap_mib = \(outboxCapMiB)\n" }
        try directory.write("site.toml", text)
        chmod(configPath, 0o600)
    }

    deinit { kill(signal: SIGKILL) }

    /// The agent's outbox database (`state/outbox.db`), for tests that open it after a stop or a kill.
    public var outboxPath: String { "\(stateDirectory)/outbox.db" }

    /// Everything the agent has written to `agent.log` so far; empty while the file does not exist.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Starts `hoistwatch run`; stderr is appended to `agent.log`.
    public func start(environment: [String] = []) throws {
        pid = try ChildProgram.spawn(
            Self.executable, ["run", "--config", configPath], stderrPath: logPath, environment: environment)
        starts += 1
    }

    /// Whether the agent started here is still alive (`kill(pid, 0)` and a non-blocking `waitpid`). That `waitpid`
    /// reaps an agent that has exited, so a later `kill(signal:)` (and `deinit`) waits out its whole timeout and
    /// returns nil.
    public var isRunning: Bool {
        guard let pid else { return false }
        return Glibc.kill(pid, 0) == 0 && waitpid(pid, nil, WNOHANG) == 0
    }

    /// Sends `signal` and waits for the exit (`waitSeconds` scaled by `WallClockScale`); returns the exit status (nil
    /// if killed by a signal).
    @discardableResult
    public func kill(signal: Int32, waitSeconds: Double = 15) -> Int32? {
        guard let pid else { return nil }
        self.pid = nil
        Glibc.kill(pid, signal)
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(WallClockScale.seconds(waitSeconds))
        while Date() < deadline {
            if waitpid(pid, &status, WNOHANG) == pid {
                return (status & 0x7f) == 0 ? (status >> 8) & 0xff : nil
            }
            usleep(10_000)
        }
        Glibc.kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
        return nil
    }
}

/// An event payload as a dictionary, or nil if it is not JSON.
public func jsonObject(_ text: String) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
}
