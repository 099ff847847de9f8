import Foundation
import HoistWatchTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `make demo`'s script end to end (the built agent, its own Mosquitto, `hoistwatch listen`), played 6 x fast:
/// the three alerts shown, the outbox drained, and the script returns by itself leaving no process behind.
@Suite struct DemoScriptTests {
    @Test(.timeLimit(.minutes(WallClockScale.factor > 1 ? 30 : 3)))
    func theDemoShowsItsThreeAlertsAndStopsEverythingItStarted() async throws {
        let directory = try TestDirectory("demo")
        let outputPath = directory.file("demo.out")
        let pid = try ChildProgram.spawn(
            "/bin/bash", ["\(AgentProcess.repository)/scripts/demo.sh"], stdoutPath: outputPath,
            stderrPath: outputPath,
            environment: [
                "BIN=\(AgentProcess.executable)", "DEMO_TIME_SCALE=\(AgentProcess.paced(6))",
                "DEMO_MAX_SECONDS=\(Int(WallClockScale.seconds(100)))",
                "DEMO_STATE=\(directory.file("state"))",
            ])
        let deadline = ContinuousClock.now + .seconds(WallClockScale.seconds(150))
        var exitCode: Int32?
        while ContinuousClock.now < deadline {
            exitCode = ChildProgram.exitCodeIfEnded(pid)
            if exitCode != nil { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        if exitCode == nil {
            kill(pid, SIGKILL)
            _ = ChildProgram.waitForExit(pid)
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        #expect(exitCode != nil, "the demo did not return within \(WallClockScale.seconds(150)) s:\n\(output)")
        #expect(exitCode == 0, "exit code \(exitCode.map(String.init) ?? "none"):\n\(output)")
        #expect(output.contains("board ONLINE"))
        #expect(output.contains("ALARM    OVERSPEED"))
        #expect(output.contains("WARNING  OVERLOAD"))
        #expect(output.contains("ALARM    TRAPPED PASSENGER"))
        #expect(output.contains("cleared  trapped passenger"))
        #expect(output.contains("board OFFLINE"))
        #expect(output.contains("outbox left: 0 entries"))

        // The listener's summary: every event the agent stored seen once, seq 1 to that, none missing.
        let stored = output.firstMatch(of: /after storing (\d+) events/).map { String($0.1) }
        let summary = output.firstMatch(
            of: /: OFFLINE, session 1, (\d+) events \(0 duplicates\), seq 1-(\d+), no seq missing/)
        #expect(
            stored != nil && summary.map { String($0.1) } == stored && summary.map { String($0.2) } == stored,
            "\(output)")

        // Nothing it started is left: no listener, broker or agent on its port or with its state folder.
        let port = try #require(output.firstMatch(of: /127\.0\.0\.1:(\d+)/)?.1)
        let leftovers =
            Self.processes(matching: ":\(port)", orArgument: "\(port)")
            + Self.processes(matching: directory.file("state"), orArgument: directory.file("state") + "/site.toml")
        #expect(leftovers.isEmpty, "left running: \(leftovers)")
    }

    /// Command lines of running `mosquitto`, `mosquitto_sub` or `hoistwatch` processes that name the demo's port or
    /// its state folder (the broker, the agent and the listener take their files from there).
    static func processes(matching text: String, orArgument argument: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> String? in
            guard Int(entry) != nil,
                let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"), !data.isEmpty
            else { return nil }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard let name = arguments.first,
                name.hasSuffix("mosquitto_sub") || name.hasSuffix("mosquitto") || name.hasSuffix("hoistwatch")
            else {
                return nil
            }
            let line = arguments.joined(separator: " ")
            return arguments.contains(argument) || line.contains(text) ? line : nil
        }
    }
}
