import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `hoistwatch run` as a real child process (spawned like the test brokers, with an empty signal mask) (the binary `swift build --build-tests` put beside the test bundle),
/// with a site config in its own folder, so tests can SIGKILL it like a power cut.
public final class AgentProcess: @unchecked Sendable {
    // @unchecked Sendable: one test drives one agent from one task; `pid` is only touched by start/stop/kill.
    public let directory: TestDirectory
    public let configPath: String
    public let logPath: String
    private var pid: pid_t?
    private(set) var starts = 0

    public static let deviceId = "37010000000000000001"
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

    /// Repository root (for Scenarios/ and Calibration/).
    public static var repository: String { Repository.root }

    /// Writes `site.toml` (mode 600) for a simulated elevator publishing to 127.0.0.1:`port`.
    /// `calibration` is taken from the repository unless absolute; `plantCalibration` (repository) is the
    /// simulated plant's truth when it differs from the agent's calibration.
    public init(port: Int, scenario: String, calibration: String = "Calibration/demo-elevator.toml", loop: Bool,
         timeScale: Double, statusIntervalS: Double = 60, outboxCapMiB: Double? = nil,
         plantCalibration: String? = nil) throws {
        directory = try TestDirectory("agent")
        configPath = directory.file("site.toml")
        logPath = directory.file("agent.log")
        var text = """
            device_id = "\(Self.deviceId)"
            board = "sim"
            calibration = "\(calibration.hasPrefix("/") ? calibration : "\(Self.repository)/\(calibration)")"
            state_dir = "\(directory.file("state"))"
            status_interval_s = \(statusIntervalS)
            log_level = "info"

            [broker]
            host = "127.0.0.1"
            port = \(port)

            [sim]
            scenario = "\(Self.repository)/\(scenario)"
            loop = \(loop)
            time_scale = \(timeScale)

            """
        if let plantCalibration { text += "plant_calibration = \"\(Self.repository)/\(plantCalibration)\"\n" }
        if let outboxCapMiB { text += "\n[outbox]\ncap_mib = \(outboxCapMiB)\n" }
        try directory.write("site.toml", text)
        chmod(configPath, 0o600)
    }

    deinit { kill(signal: SIGKILL) }

    public var outboxPath: String { directory.file("state/outbox.db") }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Starts `hoistwatch run`; stderr is appended to `agent.log`.
    public func start(environment: [String] = []) throws {
        pid = try ChildProgram.spawn(
            Self.executable, ["run", "--config", configPath], stderrPath: logPath, environment: environment)
        starts += 1
    }

    public var isRunning: Bool {
        guard let pid else { return false }
        return Glibc.kill(pid, 0) == 0 && waitpid(pid, nil, WNOHANG) == 0
    }

    /// Sends `signal` and waits for the exit; returns the exit status (nil if killed by a signal).
    @discardableResult
    public func kill(signal: Int32, waitSeconds: Double = 15) -> Int32? {
        guard let pid else { return nil }
        self.pid = nil
        Glibc.kill(pid, signal)
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(waitSeconds)
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
