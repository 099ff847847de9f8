import HoistWatchCore

/// The `sim` board: the plant model playing a scenario, driven by the agent's clock instead of GPIO.
///
/// Pure: the caller says how far board time has got; the board emits the input events up to there. Each run of
/// the scenario has its own trace time starting at 0 (what the detection engine of that run sees); `runStartNs`
/// places it on the board's continuous time line. With `loop`, a finished scenario starts again one second later
/// with the next seed, so a "day in the life" can run for weeks.
public struct SimulatedBoard: Sendable {
    /// What one call to `advance` did (never `.failed`).
    public typealias Progress = BoardProgress

    private static let gapBetweenRunsNs: Int64 = 1_000_000_000

    /// The plant's truth: what the simulated sensors are made from (may differ from the agent's calibration).
    public let calibration: Calibration
    /// The script the plant plays.
    public let scenario: Scenario
    /// Whether a finished scenario starts again (with the next seed) instead of ending the input.
    public let loop: Bool
    /// Board seconds per wall-clock second (`[sim] time_scale`).
    public let timeScale: Double
    private let firstSeed: UInt64
    private var simulation: PlantSimulation
    /// How many times the scenario started (1 for the first run).
    public private(set) var runs = 1
    /// Board time (ns since the agent started) at which the current run's trace time is 0.
    public private(set) var runStartNs: Int64 = 0

    /// Checks the scenario against the calibration (errors name the scenario key).
    public init(
        calibration: Calibration, scenario: Scenario, loop: Bool, seed: UInt64?, timeScale: Double = 1
    )
        throws(InputError)
    {
        self.calibration = calibration
        self.scenario = scenario
        self.loop = loop
        self.timeScale = timeScale
        firstSeed = seed ?? scenario.seed
        simulation = try PlantSimulation(calibration: calibration, scenario: scenario, seed: firstSeed)
    }

    /// The header of the current run (initial levels and position).
    public var header: TraceHeader { simulation.header }

    /// Emits the current run's events up to board time `boardNs`, in time order, with run-relative times.
    public mutating func advance(toBoardNs boardNs: Int64, emit: (InputEvent) -> Void) -> Progress {
        let untilNs = boardNs - runStartNs
        if simulation.advance(untilNs: untilNs, emit: emit) {
            return .running(horizonNs: min(untilNs, simulation.emittedThroughNs))
        }
        guard loop else { return .finished(horizonNs: simulation.nowNs) }
        let nextStartNs = runStartNs + simulation.nowNs + Self.gapBetweenRunsNs
        guard boardNs >= nextStartNs else { return .running(horizonNs: untilNs) }
        // The same scenario and calibration were accepted before, so a new run cannot fail to build.
        guard
            let next = try? PlantSimulation(
                calibration: calibration, scenario: scenario,
                seed: firstSeed &+ UInt64(runs))
        else {
            return .finished(horizonNs: simulation.nowNs)
        }
        simulation = next
        runs += 1
        runStartNs = nextStartNs
        return .restarted(header: simulation.header)
    }
}

extension SimulatedBoard: BoardInputSource {
    /// `sim`, as the status birth and the logs name the board.
    public var name: String { "sim" }
    /// Always nil: board time starts with the detection loop.
    public var originMonoNs: Int64? { nil }
    /// The scenario's name and the time scale, for the start log line.
    public var logMetadata: [String: String] { ["scenario": scenario.name, "time_scale": "\(timeScale)"] }
    /// The board time before which the plant will give no input (`PlantSimulation.nextInputNs`), or the start of the
    /// next run while the loop waits between runs; `Int64.max` once a scenario that does not loop is over.
    public var nextInputBoardNs: Int64? {
        guard simulation.isFinished else { return Self.adding(simulation.nextInputNs, to: runStartNs) }
        return loop ? runStartNs + simulation.nowNs + Self.gapBetweenRunsNs : .max
    }

    private static func adding(_ runNs: Int64, to startNs: Int64) -> Int64 {
        runNs == .max ? .max : startNs + runNs
    }

    /// Always nil: a simulated board loses no edges.
    public var inputCounters: BoardInputCounters? { nil }

    /// 0: the plant's inputs are made when the board is read, complete up to the time read; the loop evaluates a
    /// tick as soon as it comes.
    public var evaluationDelayNs: Int64 { 0 }

    /// Does nothing: the board has no threads; `read` computes the inputs on demand.
    public mutating func start() {}

    /// Emits the current run's events up to board time `boardNs` (`advance(toBoardNs:emit:)`).
    public mutating func read(untilBoardNs boardNs: Int64, emit: (BoardInput) -> Void) -> BoardProgress {
        advance(toBoardNs: boardNs) { emit(.event($0)) }
    }

    /// Does nothing: there is nothing to stop.
    public mutating func stop() {}
}
