import HoistWatchCore
import HoistWatchSimulator

/// Loads scenario files (docs/scenarios.md) with errors that name the file, like `TextFile.calibration`.
public enum ScenarioFile {
    /// Loads and checks a scenario file.
    public static func load(_ path: String) throws(InputError) -> Scenario {
        let text = try TextFile.read(path)
        do {
            return try Scenario.parse(toml: text)
        } catch {
            throw error.inFile(path)
        }
    }

    /// The calibration file a scenario names (its `calibration` key), resolved against the scenario's folder;
    /// nil when the scenario names none.
    public static func calibrationPath(of scenario: Scenario, scenarioPath: String) -> String? {
        guard let relative = scenario.calibration else { return nil }
        if relative.hasPrefix("/") { return relative }
        guard let slash = scenarioPath.lastIndex(of: "/") else { return relative }
        return String(scenarioPath[...slash]) + relative
    }

    /// Loads a scenario and the calibration to run it with (`calibrationPath`, or else the one the scenario
    /// names), and builds the simulation. Scenario errors name the scenario file, calibration errors theirs.
    public static func simulation(
        scenarioPath: String, calibrationPath: String?, seed: UInt64? = nil
    )
        throws(InputError) -> PlantSimulation
    {
        let scenario = try load(scenarioPath)
        guard let calibrationFile = calibrationPath ?? Self.calibrationPath(of: scenario, scenarioPath: scenarioPath)
        else {
            throw InputError(
                .missingKey, file: scenarioPath, key: "calibration",
                "the scenario names no calibration file; pass --calibration")
        }
        let calibration = try TextFile.calibration(calibrationFile)
        do {
            return try PlantSimulation(calibration: calibration, scenario: scenario, seed: seed ?? scenario.seed)
        } catch {
            throw error.file == nil ? error.inFile(scenarioPath) : error
        }
    }
}
