import ArgumentParser
import HoistWatchAgent
import HoistWatchBoard
import HoistWatchConfig
import HoistWatchCore
import HoistWatchFiles
import HoistWatchSimulator
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `hoistwatch run --config SITE.toml`: the agent, until SIGTERM/SIGINT (then exit 0). Logs go to stderr.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the agent: inputs -> detectors -> outbox -> MQTT, until SIGTERM/SIGINT.")

    @Option(help: "Site config (TOML); see Board/site.example.toml.") var config: String

    func run() async throws {
        // A broker that closes the socket must not kill the agent with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let loaded = Result { () throws(InputError) -> (AgentRuntime.Inputs, BoardSetup) in try Self.load(config) }
        guard case .success(let (inputs, boardSetup)) = loaded else {
            if case .failure(let error) = loaded { throw CLIExit.badInput(error) }
            return
        }
        let level = Logger.Level(rawValue: inputs.site.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "hoistwatch")
        logger[metadataKey: "device_id"] = "\(inputs.site.deviceId)"
        logger.info("starting", metadata: ["version": "\(HoistWatchVersion.current)", "config": "\(inputs.site.path)"])
        do {
            try await AgentRuntime(inputs: inputs, logger: logger) { [logger] in
                try Self.open(boardSetup, inputs: inputs, logger: logger)
            }.run()
        } catch let error as OutboxError {
            CLIExit.printError("error: \(error)")
            throw ExitCode(1)
        } catch let error as BoardOpenError {
            CLIExit.printError("error: \(error)")
            throw ExitCode(1)
        } catch let error as DetectionService.BoardFailure {
            CLIExit.printError("error: \(error)")
            throw ExitCode(1)
        }
        logger.info("stopped")
    }

    /// Loads and checks everything the agent needs; every problem of `check --config` refuses the start.
    static func load(_ path: String) throws(InputError) -> (AgentRuntime.Inputs, BoardSetup) {
        let site = try TextFile.siteConfig(path)
        let problems = SiteConfigCheck.problems(site, scenarioCheck: ScenarioFile.problems)
        if let last = problems.last {
            for problem in problems.dropLast() { CLIExit.printError("error: \(problem.description)") }
            throw last
        }
        let calibrationText = try TextFile.read(site.calibrationPath)
        let calibration = try TextFile.calibration(site.calibrationPath, text: calibrationText)
        let board: BoardSetup
        if let simulation = site.simulation {
            let scenario = try ScenarioFile.load(simulation.scenario)
            board = .simulated(
                scenario: scenario,
                plantCalibration: try simulation.plantCalibration.map(TextFile.calibration))
        } else {
            let (path, profile) = try BoardProfileFile.load(for: site, calibration: calibration)
            board = .profile(path: path, profile)
        }
        var password: String?
        if let file = site.broker.passwordFile { password = try SiteConfigCheck.password(fromFile: file) }
        let inputs = AgentRuntime.Inputs(
            site: site, calibration: calibration, calibrationBytes: Array(calibrationText.utf8), password: password,
            version: HoistWatchVersion.current)
        return (inputs, board)
    }

    /// Where the agent's inputs come from, as the site config says.
    enum BoardSetup: Sendable {
        /// The plant simulator playing `scenario`; `plantCalibration` is the simulated plant's own truth when it
        /// should differ from the agent's calibration (`[sim] plant_calibration`).
        case simulated(scenario: Scenario, plantCalibration: Calibration?)
        /// A real board: the profile (loaded from `path`) maps the calibration's wired inputs to GPIO lines.
        case profile(path: String, BoardProfile)
    }

    /// The board of the site config: the simulator, or the profile's GPIO lines opened now (a missing chip, a
    /// line held by another program: `BoardOpenError`, before anything else starts).
    static func open(_ setup: BoardSetup, inputs: AgentRuntime.Inputs, logger: Logger) throws -> any BoardInputSource {
        let site = inputs.site
        switch setup {
        case .simulated(let scenario, let plantCalibration):
            let simulation = site.simulation ?? SiteConfig.Simulation(scenario: "")
            return try SimulatedBoard(
                calibration: plantCalibration ?? inputs.calibration, scenario: scenario, loop: simulation.loop,
                seed: simulation.seed, timeScale: simulation.timeScale)
        case .profile(let path, let profile):
            return try GpioBoard.open(
                name: GpioBoard.name(for: site.board, profilePath: path), profilePath: path, profile: profile,
                calibration: inputs.calibration, deviceId: site.deviceId, logger: logger)
        }
    }
}
