import ArgumentParser
import HoistWatchConfig
import HoistWatchCore
import HoistWatchFiles

/// `hoistwatch replay`: feeds a trace through the same signal chain and detectors as `run`, as fast as it can,
/// printing one event payload per line on stdout and nothing else (cli.md).
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay", abstract: "Replay a sensor trace through the detectors; events as JSON lines on stdout.")

    @Option(help: "Calibration file (TOML).") var calibration: String
    @Option(help: "Trace file (.hwtrace.jsonl), '-' for standard input.") var trace: String
    @Option(help: "Also write each alarm's flight record as a trace into this folder.") var records: String?

    func run() throws {
        do {
            let summary = try TraceReplay(
                calibration: TextFile.calibration(calibration), calibrationPath: calibration, tracePath: trace,
                recordsFolder: records
            )
            .run(output: BufferedFileWriter.standardOutput())
            if let warning = summary.warning { CLIExit.printError("warning: \(warning)") }
        } catch {
            throw CLIExit.badInput(error)
        }
    }
}
