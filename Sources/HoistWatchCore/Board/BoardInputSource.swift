/// Where the detection loop's inputs come from: the simulated plant (`SimulatedBoard`) or a real board's GPIO
/// lines and load cell (`GpioBoard`). The seam between `DetectionService` and the hardware: the loop asks how far
/// the board's inputs are complete, feeds what came to the engine, and evaluates up to there.
///
/// Board time is nanoseconds since the board started (each scenario run of the simulated board has its own, from
/// `runStartNs`); `originMonoNs` places it on CLOCK_MONOTONIC. Used by the detection thread only, between `start`
/// and `stop`.
public protocol BoardInputSource: Sendable {
    /// What the status birth and the logs call the board: `sim`, or the profile's name.
    var name: String { get }
    /// The header of the current run: initial levels (and position, when known) at its time 0.
    var header: TraceHeader { get }
    /// CLOCK_MONOTONIC at board time 0, when the board has its own (the kernel's edge timestamps); nil: the board
    /// time starts with the detection loop (simulated board).
    var originMonoNs: Int64? { get }
    /// Board seconds per wall-clock second (the simulated board can run faster than real time; a real one is 1).
    var timeScale: Double { get }
    /// How many times the board's input started over (scenario runs of the simulated board; 1 for a real board).
    var runs: Int { get }
    /// Board time at which the current run's time 0 is.
    var runStartNs: Int64 { get }
    /// Words for the start log line (`scenario`, `gpio.lines`, ...).
    var logMetadata: [String: String] { get }

    /// Starts whatever reads the inputs (threads of a real board). Throws when the board cannot be read.
    mutating func start() throws

    /// Hands `emit` every input of the current run up to board time `boardNs` (what the loop's clock says now;
    /// a real board goes by its own clock and hands on what is complete), in time order, and says how far that is.
    mutating func read(untilBoardNs boardNs: Int64, emit: (BoardInput) -> Void) -> BoardProgress

    /// Stops the reading threads; a later `read` hands on what they left.
    mutating func stop()

    /// The board's own counters for the status and diag snapshot (nil for the simulated board).
    var inputCounters: BoardInputCounters? { get }

    /// Board time before which no input will come, as of the last `read` (a lower bound; `Int64.max`: none is
    /// coming); nil when the board cannot tell (a real board's lines: the loop then reads it every tick). The
    /// detection loop sleeps until the earlier of this and the engine's own deadline.
    var nextInputBoardNs: Int64? { get }
}

extension BoardInputSource {
    /// Nil: the board cannot tell when its next input comes, so the loop reads it every tick.
    public var nextInputBoardNs: Int64? { nil }
}

/// One thing a board hands the detection loop.
public enum BoardInput: Sendable, Hashable {
    /// An input event (edge or ADC sample), run-relative board time.
    case event(InputEvent)
    /// The reader's loss totals (lost, late, possibly dropped edges) after the events handed on up to `atNs`; the
    /// engine notes an increase as the `gpio_lost_edges` cause of `sensor_fault`.
    case inputLoss(InputLossCounts, atNs: Int64)

    /// The input event, when this is one.
    public var event: InputEvent? {
        if case .event(let event) = self { return event }
        return nil
    }
}

/// What one `read` did.
public enum BoardProgress: Sendable, Hashable {
    /// Every input of the current run before `horizonNs` (run time) has been handed on.
    case running(horizonNs: Int64)
    /// The run ended and a new one began: the caller starts a fresh engine with `header`.
    case restarted(header: TraceHeader)
    /// The input is over and does not loop (a scenario that ran out): evaluate up to `horizonNs` and idle.
    case finished(horizonNs: Int64)
    /// The board can no longer be read (a GPIO read failed): everything read before is handed on; the agent stops
    /// so that its supervisor restarts it.
    case failed(String)
}
