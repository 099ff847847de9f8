import HoistWatchCore
import HoistWatchSimulator

/// Calibrations and small helpers shared by the simulator tests.
enum Fixtures {
    static let elevator = Calibration(
        equipment: .elevator, deviceId: "37010000000000000001", countsPerMeter: 4000, loadRawZero: 84000,
        loadRawPerKg: 21.5, ratedKg: 1000, ratedSpeedMps: 1.75, levelsM: [0, 4.5, 8, 11.5, 15, 18.5, 22],
        doorZoneHalfM: 0.15)

    static let crane = Calibration(
        equipment: .crane, deviceId: "37010000000000000101", countsPerMeter: 2000, loadRawZero: 12000,
        loadRawPerKg: 2, ratedKg: 10000, ratedSpeedMps: 0.5, upperLimitM: 18, lowerLimitM: 0.5, windMpsPerHz: 0.7)

    /// An elevator scenario from steps.
    static func elevatorScenario(start: Int = 1, _ actions: [ScenarioAction]) -> Scenario {
        Scenario(
            name: "test", equipment: .elevator, seed: 5, startLanding: start,
            steps: actions.map { ScenarioStep($0) })
    }

    /// Every event of a scenario.
    static func events(
        _ calibration: Calibration, _ scenario: Scenario, seed: UInt64 = 5
    ) throws -> (TraceHeader, [InputEvent]) {
        var simulation = try PlantSimulation(calibration: calibration, scenario: scenario, seed: seed)
        var events: [InputEvent] = []
        simulation.run { events.append($0) }
        return (simulation.header, events)
    }

}

extension InputEvent {
    /// The input it is a level change of, if any.
    var input: InputName? {
        if case .line(let input) = source { return input }
        return nil
    }
}
