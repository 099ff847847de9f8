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

    /// How long after a tick of board time the loop evaluates it, so that the inputs up to the tick are in: a real
    /// board's reader holds each edge back for its settle time (edges of other lines the kernel has not queued
    /// yet); a simulated board makes its inputs when it is read, complete up to then (0). Part of every alarm's
    /// latency.
    var evaluationDelayNs: Int64 { get }

    /// Whether the board wakes the loop itself when an input comes (`wakeOnInput`: a real board's reader threads,
    /// which wait on their lines' descriptors): the loop then sleeps until its engine's next deadline (at most a
    /// second) or until woken, and evaluates from the tick after the input on.
    var wakesOnInput: Bool { get }

    /// Gives the board the loop's wake-up: called (from any thread) with the board time of an input soon after it
    /// came, at least for the earliest one after each `read`; `Int64.min` when the board failed. Called once,
    /// before `start`; only when `wakesOnInput`.
    mutating func wakeOnInput(_ wake: @escaping @Sendable (_ boardNs: Int64) -> Void)
}

extension BoardInputSource {
    /// 2 ms: what the loop waited after each tick for every board before boards said their own.
    public var evaluationDelayNs: Int64 { 2_000_000 }
    /// Nil: the board cannot tell when its next input comes, so the loop reads it every tick.
    public var nextInputBoardNs: Int64? { nil }
    /// False: the board does not wake the loop.
    public var wakesOnInput: Bool { false }
    /// The board does not wake the loop: nothing to keep.
    public mutating func wakeOnInput(_ wake: @escaping @Sendable (_ boardNs: Int64) -> Void) {}
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
