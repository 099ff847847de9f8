import Foundation
import HoistWatchCore
import HoistWatchTestSupport
import Testing

private var machineHasGpioChips: Bool {
    ((try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? []).contains { $0.hasPrefix("gpiochip") }
}

/// `hoistwatch record` and `hoistwatch check` as processes, on this machine (no GPIO chip): the exit codes and
/// messages of cli.md.
@Suite(.enabled(if: !machineHasGpioChips, "this machine has GPIO chips"))
struct RecordCommandTests {
    /// A folder with site.toml naming `board` and the demo elevator calibration.
    final class Site {
        let folder = FileManager.default.temporaryDirectory.path + "/hoistwatch-record-\(UUID().uuidString.prefix(8))"

        init(board: String) throws {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try write(
                "site.toml",
                """
                device_id = "37010000000000000001"
                board = "\(board)"
                calibration = "\(Repository.path("Calibration/demo-elevator.toml"))"
                state_dir = "state"
                [broker]
                host = "127.0.0.1"
                """)
        }

        deinit { try? FileManager.default.removeItem(atPath: folder) }

        @discardableResult
        func write(_ name: String, _ text: String) throws -> String {
            let path = "\(folder)/\(name)"
            try text.write(toFile: path, atomically: false, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            return path
        }

        var config: String { "\(folder)/site.toml" }
        var trace: String { "\(folder)/t.hwtrace.jsonl" }
    }

    /// The `hoistwatch` executable next to the test bundle.
    static var executable: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [
            bundle.appendingPathComponent("hoistwatch").path,
            bundle.deletingLastPathComponent().appendingPathComponent("hoistwatch").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    /// Runs `hoistwatch` with `arguments` to its end (these commands end within a second); standard error through a
    /// file, read after the exit.
    static func run(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let stderrPath =
            FileManager.default.temporaryDirectory.path
            + "/hoistwatch-stderr-\(UUID().uuidString.prefix(8)).txt"
        defer { try? FileManager.default.removeItem(atPath: stderrPath) }
        let status = try ChildProgram.run(executable, arguments, stderrPath: stderrPath)
        return (status, (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "")
    }

    @Test(arguments: ["raspberry-pi-4", "raspberry-pi-5"])
    func withoutAGpioChipRecordExitsOneAndSaysWhy(profile: String) throws {
        let site = try Site(board: Repository.path("Board/profiles/\(profile).toml"))
        let (status, stderr) = try Self.run(["record", "--config", site.config, "--out", site.trace, "--seconds", "1"])
        #expect(status == 1, "\(stderr)")
        #expect(stderr.contains("error: cannot open the GPIO lines of board profile"))
        #expect(stderr.contains("no GPIO chip is labelled \"pinctrl-"))
        #expect(stderr.contains("/dev/gpiochip* does not exist"))
        #expect(!FileManager.default.fileExists(atPath: site.trace), "no empty trace left behind")
    }

    @Test func aBadProfileExitsTwoNamingTheFileAndKey() throws {
        let text = try String(
            contentsOfFile: Repository.path("Board/profiles/raspberry-pi-4.toml"),
            encoding: .utf8)
        let site = try Site(board: "./pi.toml")
        let profile = try site.write(
            "pi.toml", text.replacingOccurrences(of: "bias = \"pull-up\"", with: "bias = \"up\""))
        let (status, stderr) = try Self.run(["record", "--config", site.config, "--out", site.trace])
        #expect(status == 2, "\(stderr)")
        #expect(stderr.contains("error: \(profile): key 'inputs.alarm_button.bias': must be one of"), "\(stderr)")
        let check = try Self.run(["check", "--config", site.config])
        #expect(check.status == 2)
        #expect(check.stderr.contains("error: \(profile): key 'inputs.alarm_button.bias'"), "\(check.stderr)")
    }

    @Test func theSimulatedBoardHasNothingToRecord() throws {
        let site = try Site(board: "sim")
        try site.write(
            "site.toml",
            try String(contentsOfFile: site.config, encoding: .utf8)
                + "\n[sim]\nscenario = \"\(Repository.path("Scenarios/demo.toml"))\"\n")
        let (status, stderr) = try Self.run(["record", "--config", site.config, "--out", site.trace])
        #expect(status == 2)
        #expect(stderr.contains("key 'board': is \"sim\", which has no real inputs to record"), "\(stderr)")
    }

    @Test func checkLooksTheChipsUp() throws {
        let site = try Site(board: "raspberry-pi-5")
        let (status, stderr) = try Self.run(["check", "--config", site.config])
        #expect(status == 2)
        // The profile is found in Board/profiles of the current directory (the package, where tests run) or
        // in an installed location; either way its chip is not on this machine.
        #expect(
            stderr.contains(
                "raspberry-pi-5.toml: key 'inputs.enc_a.chip': no GPIO chip is labelled "
                    + "\"pinctrl-rp1\" on this machine"), "\(stderr)")
    }
}
