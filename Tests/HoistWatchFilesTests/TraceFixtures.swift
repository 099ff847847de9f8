import HoistWatchCore
import HoistWatchFiles
import HoistWatchSimulator
import HoistWatchTestSupport

/// Traces for the file tests: the scenario library's runaway descent, simulated, and trace files written the way
/// `hoistwatch simulate` writes them.
enum TraceFixtures {
    static let overspeedScenario = Repository.path("Scenarios/elevator-overspeed.toml")

    /// The overspeed scenario (a car running away at 1.35 x rated speed from the top landing to the ground floor,
    /// about 40 s) as a simulation on the calibration it names, with every input event it gives.
    static func overspeed() throws -> (simulation: PlantSimulation, events: [InputEvent]) {
        var simulation = try ScenarioFile.simulation(scenarioPath: overspeedScenario, calibrationPath: nil)
        var events: [InputEvent] = []
        simulation.run { events.append($0) }
        return (simulation, events)
    }

    /// Writes `header` and `events` as a trace at `path` through a `BufferedFileWriter` of `capacity` bytes, one
    /// `write` per line.
    static func write(_ header: TraceHeader, _ events: [InputEvent], to path: String, capacity: Int = 4096) throws {
        let writer = try BufferedFileWriter(path: path, capacity: capacity)
        try writer.write(header.encoded() + [0x0A])
        var line = JSONText()
        for event in events {
            TraceEncoder.append(event, to: &line)
            try writer.write(line.bytes)
            line.bytes.removeAll(keepingCapacity: true)
        }
        try writer.close()
    }

    /// Everything `TraceFileReader` gives for `path`: the headers (one, if all is well) and the events.
    static func read(_ path: String) throws(InputError) -> (headers: [TraceHeader], events: [InputEvent]) {
        var headers: [TraceHeader] = []
        var events: [InputEvent] = []
        try TraceFileReader(path: path).read(
            onHeader: { headers.append($0) },
            onEvent: { events.append($0) })
        return (headers, events)
    }

    /// The error `TraceFileReader` throws for `path`, nil if it reads to the end.
    static func readError(_ path: String) -> InputError? {
        do {
            _ = try read(path)
            return nil
        } catch {
            return error
        }
    }
}
