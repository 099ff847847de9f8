import ArgumentParser
import HoistWatchAgent
import HoistWatchConfig
import HoistWatchCore
import HoistWatchFiles

#if canImport(Glibc)
import Glibc
#endif

/// What both calibration wizards share: the site config and calibration they work on, the running agent's diag
/// socket they watch (the agent owns the GPIO lines, so the wizards read what it reads), the technician's Enter,
/// and writing the result. Errors follow cli.md: bad config or calibration 2, everything else 1, always one clear
/// line and never a changed calibration file.
struct CalibrationWizard {
    let site: SiteConfig
    let calibration: Calibration
    let socket: String
    /// How often the agent is asked for a snapshot.
    static let pollMs = 100

    init(config: String, socket: String?) throws {
        do {
            site = try TextFile.siteConfig(config)
            calibration = try TextFile.calibration(site.calibrationPath)
        } catch {
            throw CLIExit.badInput(error)
        }
        self.socket = socket ?? "\(site.stateDirectory)/diag.sock"
        do {
            try CalibrationFileUpdate.checkWritable(site.calibrationPath)
        } catch {
            CLIExit.printError("error: \(error.description)")
            throw ExitCode(1)
        }
    }

    /// Refuses (exit 2, naming the calibration key) a wizard whose inputs are not wired.
    func require(_ inputs: [InputName], adc: AdcChannel? = nil, for wizard: String) throws {
        let missing = inputs.filter { !calibration.wiredInputs.contains($0) }.map(\.wireName)
        if !missing.isEmpty {
            throw CLIExit.badInput(
                InputError(
                    .invalidValue, file: site.calibrationPath, key: "wiring.inputs",
                    "\(wizard) needs \(missing.joined(separator: ", ")) wired"))
        }
        if let adc, !calibration.wiredAdc.contains(adc) {
            throw CLIExit.badInput(
                InputError(
                    .invalidValue, file: site.calibrationPath, key: "wiring.adc",
                    "\(wizard) needs the \(adc.wireName) ADC wired"))
        }
    }

    func say(_ text: String) {
        Console.line(text)
    }

    /// Stops the wizard: one line on stderr, the calibration file untouched, exit 1.
    func fail(_ text: String) -> ExitCode {
        CLIExit.printError("error: \(text); \(site.calibrationPath) was not changed")
        return ExitCode(1)
    }

    /// Asks the technician to do something and press Enter.
    func waitForEnter(_ prompt: String) throws {
        say(prompt)
        say("  press Enter when done (Ctrl-C to stop; the calibration file is only written at the end)")
        guard readLine() != nil else { throw fail("standard input closed: the wizard stopped") }
    }

    /// One snapshot of the running agent.
    func report() throws -> DiagnosticsSnapshot {
        do {
            return try DiagSocketClient.snapshot(socket)
        } catch {
            throw fail(error.description)
        }
    }

    /// The debounced level of `input`; nil when the agent does not read it.
    static func level(_ report: DiagnosticsSnapshot, _ input: InputName) -> UInt8? {
        report.inputs.first { $0.name == input.wireName }?.level
    }

    /// Writes the values, says where the old file went and what to do next.
    func write(_ updates: [TOMLTextEdit.Update]) throws {
        do {
            let backup = try CalibrationFileUpdate.apply(updates, to: site.calibrationPath)
            say("written to \(site.calibrationPath) (comments kept); the old file is \(backup)")
            say("restart the agent to use it: sudo systemctl restart hoistwatch")
        } catch {
            throw fail("\(error)")
        }
    }

    /// A value as TOML writes it, without float noise.
    static func toml(_ value: Double, decimals: Int) -> String {
        let text = FixedPoint.format(value, decimals: decimals)
        guard text.contains(".") else { return text }
        var trimmed = Substring(text)
        while trimmed.hasSuffix("0") { trimmed = trimmed.dropLast() }
        if trimmed.hasSuffix(".") { trimmed.append("0") }
        return String(trimmed)
    }
}

/// `hoistwatch calibrate load|floors`.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate", abstract: "Calibration wizards on the running agent: load cell, landing levels.",
        subcommands: [CalibrateLoadCommand.self, CalibrateFloorsCommand.self])
}
