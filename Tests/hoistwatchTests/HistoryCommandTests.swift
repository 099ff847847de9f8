import Foundation
import HoistWatchTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `hoistwatch history` reads the board's own record after the agent stopped: events with their seq, a status row,
/// filters, and JSON lines as the platform would have received them.
@Suite(.serialized) struct HistoryCommandTests {
    static func run(_ arguments: [String], in directory: TestDirectory) async throws -> (Int32, String) {
        let log = directory.file("history-\(UUID().uuidString.prefix(6)).out")
        let status = try await runProgramAsync(AgentProcess.executable, arguments, logFile: log)
        return (status, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    @Test func listsWhatTheAgentStoredAfterItStopped() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let agent = try AgentProcess(port: broker.port, scenario: "Scenarios/demo.toml", loop: true, timeScale: 20)
        try agent.start()
        let stored = await eventually(within: 60) { agent.log.components(separatedBy: "event stored").count > 4 }
        #expect(stored, "\(agent.log)")
        #expect(agent.kill(signal: SIGTERM) == 0)
        broker.stop()

        let (status, text) = try await Self.run(["history", "--config", agent.configPath], in: agent.directory)
        #expect(status == 0, "\(text)")
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count >= 4, "\(text)")
        #expect(lines.first?.contains("#1 ALARM overspeed raised") == true, "\(text)")
        #expect(lines.contains { $0.contains("overspeed cleared after") }, "\(text)")
        #expect(!lines.contains { $0.contains(" status ") }, "status rows only when asked: \(text)")

        let (_, withStatus) = try await Self.run(
            ["history", "--config", agent.configPath, "--status-only"],
            in: agent.directory)
        #expect(withStatus.contains(" status trips="), "a status row is stored at start: \(withStatus)")

        let (_, overload) = try await Self.run(
            ["history", "--config", agent.configPath, "--type", "overload"],
            in: agent.directory)
        let overloadLines = overload.split(separator: "\n")
        #expect(!overloadLines.isEmpty && overloadLines.allSatisfy { $0.contains("overload") }, "\(overload)")

        let (_, json) = try await Self.run(
            ["history", "--config", agent.configPath, "--json", "--limit", "2"],
            in: agent.directory)
        let payloads = json.split(separator: "\n").compactMap { jsonObject(String($0)) }
        #expect(payloads.count == 2, "\(json)")
        #expect(payloads.allSatisfy { $0["schema"] as? String == "hoistwatch.event/1" && $0["seq"] is Int })
        let seqs = payloads.compactMap { $0["seq"] as? Int }
        #expect(seqs == seqs.sorted() && seqs.count == 2, "the newest two, oldest first")
    }

    @Test func withoutAnyHistoryItSaysWhy() async throws {
        let agent = try AgentProcess(port: 1, scenario: "Scenarios/demo.toml", loop: false, timeScale: 1)
        let (status, text) = try await Self.run(["history", "--config", agent.configPath], in: agent.directory)
        #expect(status == 1, "\(text)")
        #expect(text.contains("outbox.db") && text.contains("cannot open the history"), "\(text)")
        let (bad, badText) = try await Self.run(
            ["history", "--config", agent.configPath, "--days", "0"],
            in: agent.directory)
        #expect(bad == 2 && badText.contains("--days"), "\(badText)")
    }
}
