import FuzzSupport
import HoistWatchCore
import HoistWatchFiles
import HoistWatchSimulator

/// Trace time each accepted scenario is played for: long enough for its first steps, short enough to keep the
/// fuzzer at a useful pace.
private let playedNs: Int64 = 5_000_000_000

/// One input: a scenario file (`ScenarioFile.load`). What it accepts is checked against the example calibration of
/// its equipment (`PlantSimulation.init`, as `simulate` and `check --config` do) and played for a few seconds.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScenario(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let simulation = FuzzInput.loaded(start, count) { (path) throws(InputError) in
        let scenario = try ScenarioFile.load(path)
        return try PlantSimulation(
            calibration: RepositoryFile.exampleCalibrations[scenario.equipment]!, scenario: scenario,
            seed: scenario.seed)
    }
    guard var simulation else { return 0 }
    var emitted = 0
    simulation.advance(untilNs: playedNs) { _ in emitted += 1 }
    return 0
}
