import ArgumentParser
import HoistWatchBoard
import HoistWatchConfig
import HoistWatchCore
import HoistWatchFiles
import HoistWatchSimulator

/// `hoistwatch check`: validates files without driving hardware (a board profile's chips are looked up by label,
/// no line is requested); each problem on its own line, exit 0 only if none.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a site config (and the files it names) or a calibration file.",
        discussion: """
            Every problem is printed on its own line on stderr ("error: FILE: KEY: what to fix"); the exit code \
            is 0 only if there are none, 2 otherwise. File permissions are checked as the calling user: run it \
            as the user the agent runs as.
            """)

    @Option(
        help: ArgumentHelp(
            "Site config (TOML) to validate, with the calibration, scenario, board profile, TLS "
                + "and password files it names."))
    var config: String?

    @Option(help: "Calibration file (TOML) to validate.") var calibration: String?

    func validate() throws {
        guard config != nil || calibration != nil else {
            throw ValidationError("name a file to check: --config FILE or --calibration FILE")
        }
    }

    func run() throws {
        var clean = true
        if let calibration { clean = Self.checkCalibration(calibration) && clean }
        if let config { clean = Self.checkConfig(config) && clean }
        if !clean { throw ExitCode(2) }
    }

    /// Prints the calibration's summary, or its error on stderr; true when it is valid.
    private static func checkCalibration(_ path: String) -> Bool {
        do {
            let loaded = try TextFile.calibration(path)
            let plan = DetectorPlan(calibration: loaded)
            print("\(path): ok (\(loaded.equipment.rawValue) \(loaded.deviceId))")
            for entry in plan.entries where !entry.isOn {
                print(
                    "\(path): note: detector \(entry.type.rawValue) is off: not wired: \(entry.missing.joined(separator: ", "))"
                )
            }
            return true
        } catch {
            _ = CLIExit.badInput(error)
            return false
        }
    }

    /// Prints a one-line summary of the site config, or every problem on stderr; true when there are none.
    private static func checkConfig(_ path: String) -> Bool {
        let site: SiteConfig
        do {
            site = try TextFile.siteConfig(path)
        } catch {
            _ = CLIExit.badInput(error)
            return false
        }
        // A board profile's chips are looked up on this machine (read-only: no line is requested).
        let problems = SiteConfigCheck.problems(
            site, chipCheck: { GpioChipCheck.problems($0) }, scenarioCheck: ScenarioFile.problems)
        for problem in problems { _ = CLIExit.badInput(problem) }
        guard problems.isEmpty else { return false }

        let board: String
        switch site.board {
        case .sim: board = "sim"
        case .profile(let name): board = name
        }
        let equipment = (try? TextFile.calibration(site.calibrationPath)).map { "\($0.equipment.rawValue)" } ?? "?"
        let broker = site.broker
        for warning in SiteConfigCheck.brokerWarnings(site) { print("\(path): warning: \(warning)") }
        print(
            "\(path): ok (device \(site.deviceId), board \(board), broker \(broker.host):\(broker.port), "
                + "tls \(broker.tlsCAFile == nil ? "off" : "on"), calibration \(equipment))")
        return true
    }
}
