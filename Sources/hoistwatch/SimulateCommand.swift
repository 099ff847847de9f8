import ArgumentParser
import HoistWatchCore
import HoistWatchFiles
import HoistWatchSimulator

/// `hoistwatch simulate`: runs the plant model through a scenario and writes the trace a board would have seen.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate", abstract: "Write the trace of a simulated scenario.")

    @Option(help: "Calibration file (TOML); defaults to the one the scenario names.") var calibration: String?
    @Option(help: "Scenario file (TOML).") var scenario: String
    @Option(help: "Trace to write (.hwtrace.jsonl), '-' for standard output.") var out: String
    @Option(help: "Seed for the random choices; defaults to the scenario's seed.") var seed: UInt64?

    func run() throws {
        do throws(InputError) {
            var simulation = try ScenarioFile.simulation(
                scenarioPath: scenario, calibrationPath: calibration, seed: seed)
            let writer = try BufferedFileWriter(path: out, capacity: 1 << 20)
            var json = JSONText(reservingCapacity: 1 << 17)
            json.bytes.append(contentsOf: simulation.header.encoded())
            json.bytes.append(0x0A)
            var failure: InputError?
            let flushBytes = 1 << 16
            simulation.run { event in
                TraceEncoder.append(event, to: &json)
                if json.bytes.count >= flushBytes && failure == nil {
                    do throws(InputError) {
                        try writer.write(json.bytes)
                    } catch {
                        failure = error
                    }
                    json.bytes.removeAll(keepingCapacity: true)
                }
            }
            if let failure { throw failure }
            try writer.write(json.bytes)
            try writer.close()
        } catch {
            throw CLIExit.badInput(error)
        }
    }
}
