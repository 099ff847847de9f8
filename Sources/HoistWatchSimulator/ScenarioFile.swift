import HoistWatchConfig
import HoistWatchCore
import HoistWatchFiles

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

    /// `SiteConfigCheck.ScenarioCheck` for the simulated board (`check --config` and `run`): the `[sim]` scenario
    /// parses, is for the calibration's equipment, and can be simulated with the plant's calibration (`plant`,
    /// the calibration unless `[sim] plant_calibration` names another). Each problem names the scenario file, or
    /// the site config's key `sim.scenario`.
    public static func problems(of site: SiteConfig, calibration: Calibration?, plant: Calibration?) -> [InputError] {
        guard let simulation = site.simulation else { return [] }
        let scenario: Scenario
        do {
            scenario = try load(simulation.scenario)
        } catch {
            return [error]
        }
        guard let calibration else { return [] }
        if scenario.equipment != calibration.equipment {
            return [
                InputError(
                    .invalidValue, file: site.path, key: "sim.scenario",
                    "the scenario \(simulation.scenario) is for \(scenario.equipment.phrase) but the calibration "
                        + "\(site.calibrationPath) is for \(calibration.equipment.phrase)")
            ]
        }
        do {
            _ = try PlantSimulation(
                calibration: plant ?? calibration, scenario: scenario,
                seed: simulation.seed ?? scenario.seed)
        } catch {
            return [error.file == nil ? error.inFile(simulation.scenario) : error]
        }
        return []
    }
}
