import ArgumentParser
import HoistWatchCore
import HoistWatchIO

/// `hoistwatch check`: validates files without touching hardware; each problem on its own line, exit 0 only if none.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Validate a calibration file (and, later, site config and board profile).")

    @Option(help: "Calibration file (TOML) to validate.") var calibration: String?

    func validate() throws {
        guard calibration != nil else { throw ValidationError("name a file to check: --calibration FILE") }
    }

    func run() throws {
        guard let path = calibration else { return }
        do {
            let loaded = try TextFile.calibration(path)
            let plan = DetectorPlan(calibration: loaded)
            print("\(path): ok (\(loaded.equipment.rawValue) \(loaded.deviceId))")
            for entry in plan.entries where !entry.isOn {
                print("\(path): note: detector \(entry.type.rawValue) is off: not wired: \(entry.missing.joined(separator: ", "))")
            }
        } catch {
            throw CLIExit.badInput(error)
        }
    }
}
