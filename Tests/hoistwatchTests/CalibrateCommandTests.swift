import Foundation
import HoistWatchConfig
import HoistWatchCore
import HoistWatchTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `hoistwatch calibrate load|floors` against a running agent on the simulated board. The plant plays
/// Scenarios/calibration-run.toml with its own truth (Calibration/sim-plant-elevator.toml: other landings, other
/// load cell) while the agent runs on Calibration/elevator-example.toml, so the wizards must find values the
/// agent did not have.
@Suite(.serialized) struct CalibrateCommandTests {
    static let plantPath = "Calibration/sim-plant-elevator.toml"
    static let startPath = "Calibration/elevator-example.toml"

    /// An agent whose calibration is a writable copy of the example, on the calibration-run plant.
    static func agent(
        port: Int, timeScale: Double, reachableByOtherUsers: Bool = false
    ) throws
        -> (AgentProcess, String, String)
    {
        let directory = try TestDirectory("calibrate-cal")
        let original = try String(contentsOfFile: "\(AgentProcess.repository)/\(startPath)", encoding: .utf8)
        let agent = try AgentProcess(
            port: port, scenario: "Scenarios/calibration-run.toml",
            calibration: "\(directory.path)/placeholder", loop: false, timeScale: timeScale,
            plantCalibration: plantPath, reachableByOtherUsers: reachableByOtherUsers)
        // The calibration lives in the agent's own folder (removed with it), written before the agent starts.
        let calibration = agent.directory.file("calibration.toml")
        try original.write(toFile: calibration, atomically: true, encoding: .utf8)
        let site = try String(contentsOfFile: agent.configPath, encoding: .utf8)
            .replacingOccurrences(of: "\(directory.path)/placeholder", with: calibration)
        try site.write(toFile: agent.configPath, atomically: false, encoding: .utf8)
        return (agent, calibration, original)
    }

    static func backups(of path: String) -> [String] {
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasPrefix(name + ".") && $0.hasSuffix(".bak") }.map { "\(folder)/\($0)" }
    }

    static func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    @Test func bothWizardsFindThePlantsTruthAndKeepTheComments() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let (agent, calibration, original) = try Self.agent(port: broker.port, timeScale: 5)
        try agent.start()
        let socket = agent.directory.file("state/diag.sock")
        #expect(await eventually(within: 20) { FileManager.default.fileExists(atPath: socket) })
        let enter = agent.directory.file("enter.txt")
        try "\n\n".write(toFile: enter, atomically: true, encoding: .utf8)
        let loadLog = agent.directory.file("load.out")
        let floorsLog = agent.directory.file("floors.out")
        // Both at once, as two technicians might: the file lock keeps both results.
        // The wizards' time-outs are waits on the plant (whose pace `AgentProcess` slows under emulation): scaled.
        let timeout = "\(Int(WallClockScale.seconds(60)))"
        async let load = runProgramAsync(
            AgentProcess.executable,
            [
                "calibrate", "load", "--config", agent.configPath, "--test-kg", "500",
                "--settle-s", "2", "--timeout-s", timeout,
            ], logFile: loadLog, stdinPath: enter)
        async let floors = runProgramAsync(
            AgentProcess.executable, ["calibrate", "floors", "--config", agent.configPath, "--timeout-s", timeout],
            logFile: floorsLog, stdinPath: enter)
        let (loadStatus, floorsStatus) = try await (load, floors)
        #expect(agent.kill(signal: SIGTERM) == 0)
        #expect(loadStatus == 0, "\(Self.text(loadLog))")
        #expect(floorsStatus == 0, "\(Self.text(floorsLog))")

        let written = Self.text(calibration)
        let result = try Calibration.parse(toml: written)
        let truth = try Calibration.parse(toml: Self.text("\(AgentProcess.repository)/\(Self.plantPath)"))
        #expect(result.levelsM.count == truth.levelsM.count)
        for (learnt, real) in zip(result.levelsM, truth.levelsM) {
            #expect(abs(learnt - real) <= 0.005, "levels \(result.levelsM) vs \(truth.levelsM)")
        }
        #expect(abs(result.loadRawZero - truth.loadRawZero) <= 10, "raw_zero \(result.loadRawZero)")
        #expect(abs(result.loadRawPerKg / truth.loadRawPerKg - 1) <= 0.003, "raw_per_kg \(result.loadRawPerKg)")
        // The simulated magnet is 0.9 of the plant's 0.12 m half zone (ElevatorModel.doorZoneFraction).
        #expect(Self.text(floorsLog).contains("door zones measured: +-0.108 m\n"), "\(Self.text(floorsLog))")

        // Only the values changed: every comment line of the original is still there.
        let comments = original.split(separator: "\n").filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }
        #expect(!comments.isEmpty)
        for comment in comments { #expect(written.contains(comment), "lost: \(comment)") }
        #expect(written.contains("# HX711 counts with the car empty"))
        let backups = Self.backups(of: calibration)
        #expect(backups.count == 2 || backups.count == 1, "\(backups)")  // one per second of writing
        #expect(backups.map(Self.text).contains(original), "the first backup is the original file")
    }

    @Test func anInterruptedWizardLeavesTheFileAsItWas() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let (agent, calibration, original) = try Self.agent(port: broker.port, timeScale: 1)
        try agent.start()
        let socket = agent.directory.file("state/diag.sock")
        #expect(await eventually(within: 20) { FileManager.default.fileExists(atPath: socket) })

        // Input closed before the second step: stops with a message, exit 1.
        let one = agent.directory.file("one-enter.txt")
        try "\n".write(toFile: one, atomically: true, encoding: .utf8)
        let closedLog = agent.directory.file("closed.out")
        let closed = try await runProgramAsync(
            AgentProcess.executable,
            [
                "calibrate", "load", "--config", agent.configPath, "--test-kg", "500",
                "--settle-s", "1",
            ], logFile: closedLog, stdinPath: one)
        #expect(closed == 1)
        #expect(
            Self.text(closedLog).contains("standard input closed") && Self.text(closedLog).contains("was not changed"),
            "\(Self.text(closedLog))")

        // Ctrl-C in the middle of the learning run (the car only leaves the bottom at 40 s).
        let output = agent.directory.file("interrupted.out")
        let pid = try ChildProgram.spawn(
            AgentProcess.executable, ["calibrate", "floors", "--config", agent.configPath],
            stdinPath: one, stdoutPath: output, stderrPath: output)
        #expect(await eventually(within: 10) { Self.text(output).contains("drive the car UP") }, "\(Self.text(output))")
        kill(pid, SIGINT)
        var status: Int32 = 0
        #expect(await eventually(within: 10) { waitpid(pid, &status, WNOHANG) == pid })
        #expect(agent.kill(signal: SIGTERM) == 0)

        #expect(Self.text(calibration) == original)
        #expect(Self.backups(of: calibration).isEmpty)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: agent.directory.path).filter {
            $0.contains(".tmp")
        }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test func badInputsGetClearMessagesAndCliExitCodes() async throws {
        let (agent, calibration, _) = try Self.agent(port: 1, timeScale: 1)
        let log = agent.directory.file("out.txt")
        func run(_ arguments: [String]) async throws -> (Int32, String) {
            try? FileManager.default.removeItem(atPath: log)
            let status = try await runProgramAsync(AgentProcess.executable, arguments, logFile: log)
            return (status, Self.text(log))
        }
        // No agent running.
        let (noAgent, noAgentText) = try await run(["calibrate", "floors", "--config", agent.configPath])
        #expect(noAgent == 1)
        #expect(
            noAgentText.contains("the agent is not running") && noAgentText.contains("was not changed"),
            "\(noAgentText)")
        // An unwired input: the file and key are named, exit 2.
        let unwired = Self.text(calibration).replacingOccurrences(of: "\"door_zone\", ", with: "")
        try unwired.write(toFile: calibration, atomically: true, encoding: .utf8)
        let (unwiredStatus, unwiredText) = try await run(["calibrate", "floors", "--config", agent.configPath])
        #expect(unwiredStatus == 2, "\(unwiredText)")
        #expect(
            unwiredText.contains("calibration.toml") && unwiredText.contains("wiring.inputs")
                && unwiredText.contains("door_zone"), "\(unwiredText)")
        // A test weight of 0 kg.
        let (zeroStatus, zeroText) = try await run([
            "calibrate", "load", "--config", agent.configPath, "--test-kg", "0",
        ])
        #expect(zeroStatus == 2 && zeroText.contains("--test-kg"), "\(zeroText)")
        // A config that is not there.
        let (missing, missingText) = try await run([
            "calibrate", "load", "--config", agent.directory.file("nope.toml"),
            "--test-kg", "5",
        ])
        #expect(missing == 2 && missingText.contains("nope.toml"), "\(missingText)")
    }

    /// A calibration file this user may not write: said before any step, exit 1. Needs root to switch users.
    @Test(.enabled(if: getuid() == 0, "switching to another user needs root"))
    func aFileThatIsNotWritableIsRefusedBeforeTheFirstStep() async throws {
        // The user reaches the agent's folder and the binary placed in it (the clone may be closed to them),
        // reads the config (theirs) and the calibration (644), and may not write the calibration (root's).
        let (agent, calibration, _) = try Self.agent(port: 1, timeScale: 1, reachableByOtherUsers: true)
        chmod(calibration, 0o644)
        let nobody = try OtherUser("nobody")
        chown(agent.configPath, nobody.uid, nobody.gid)
        let executable = try AgentProcess.executable(in: agent.directory)
        let log = agent.directory.file("out.txt")
        let status = try await nobody.run(
            executable, ["calibrate", "floors", "--config", agent.configPath],
            logFile: log)
        let text = Self.text(log)
        #expect(status == 1, "\(text)")
        #expect(
            text.contains("cannot write the calibration file") && text.contains("sudo")
                && !text.contains("press Enter"), "\(text)")
    }
}
