import FuzzSupport
import HoistWatchConfig
import HoistWatchCore
import HoistWatchFiles
import HoistWatchSimulator

/// The example calibrations a scenario is simulated with, one per equipment (the scenario's).
private let calibrations: [Equipment: Calibration] = [
    .elevator: try! TextFile.calibration(RepositoryFile.path("Calibration/elevator-example.toml")),
    .crane: try! TextFile.calibration(RepositoryFile.path("Calibration/crane-example.toml")),
]

/// Trace time each accepted scenario is played for: long enough for its first steps, short enough to keep the
/// fuzzer at a useful pace.
private let playedNs: Int64 = 5_000_000_000

/// One input: a scenario file (`ScenarioFile.load`). What it accepts is checked against the example calibration of
/// its equipment (`PlantSimulation.init`, as `simulate` and `check --config` do) and played for a few seconds.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScenario(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let path = FuzzInput.write(start, count)
    do {
        let scenario = try ScenarioFile.load(path)
        var simulation = try PlantSimulation(
            calibration: calibrations[scenario.equipment]!, scenario: scenario, seed: scenario.seed)
        var emitted = 0
        simulation.advance(untilNs: playedNs) { _ in emitted += 1 }
    } catch {
        precondition(!error.description.isEmpty, "an error without a message")
    }
    return 0
}
