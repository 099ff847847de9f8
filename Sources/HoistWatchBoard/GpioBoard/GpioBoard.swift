import HoistWatchCore
import HoistWatchSystem
import Logging
import HoistWatchConfig

/// A real board: the GPIO lines of its profile, read by `GpioInputBackend` on its own thread, and the load cell
/// (`LoadCellThread` over the IIO driver or the bit-banged HX711), as the detection loop's input (docs/gpio.md,
/// "The agent on a GPIO board").
///
/// Board time is CLOCK_MONOTONIC since the lines were opened (`originMonoNs`, time scale 1); the trace header's
/// levels are what the backend read then. The loop is handed what the reader has completed
/// (`GpioInputBatch.completeThroughNs`, held back by the backend's settle time) and evaluates up to there, never
/// beyond: an edge is never applied after the engine evaluated past its time. Load samples are merged in by time
/// (`BoardInputMerge`).
public final class GpioBoard: BoardInputSource, @unchecked Sendable {
    // @unchecked Sendable: `merge`, `loadCell`, `started`, `stopped` and `reportedDoubtfulEdges` are used by the detection thread only
    // (start, read, stop); the reader threads hand over through `inbox`, behind its lock; the backend and the load
    // cell thread are themselves thread-safe.

    /// How often the reader wakes when the lines are quiet, so the loop's horizon keeps moving: once per tick of
    /// the engine's grid (the backend's default of 100 ms would hold evaluation back that long).
    public static let quietWakeNs = SignalChain.tickNs

    /// What the status birth and the logs call the board: the profile's name as the site config gives it.
    public let name: String
    /// The levels read from every line when they were opened, at board time 0 (the position is unreferenced).
    public let header: TraceHeader
    /// CLOCK_MONOTONIC when the lines were opened: the kernel's edge timestamps are board time from there.
    public let originMonoNs: Int64?
    /// A real board runs in real time.
    public var timeScale: Double { 1 }
    /// A real board's input never starts over.
    public var runs: Int { 1 }
    /// The one run starts at board time 0.
    public var runStartNs: Int64 { 0 }
    /// `gpio.lines` (how many lines are read) and the load cell's kind, for the start log line.
    public var logMetadata: [String: String] {
        var metadata = ["gpio.lines": "\(backend?.inputs.count ?? 0)"]
        if let backend { metadata["gpio.settle_ns"] = "\(backend.options.settleNs)" }
        metadata["load.cell"] = loadCell == nil ? "none" : loadCellKind
        return metadata
    }

    private let backend: GpioInputBackend?
    private var loadCell: LoadCellThread?
    private var loadCellKind = ""

    private let logger: Logger
    private let inbox = Locked(Inbox())
    private var merge: BoardInputMerge
    private var started = false
    private var stopped = false
    /// The doubtful edges already reported to the engine.
    private var reportedDoubtfulEdges: Int64 = 0

    /// What the threads handed over since the last `read`.
    private struct Inbox {
        var edges: [InputEvent] = []
        var samples: [InputEvent] = []
        var completeThroughNs: Int64 = .min
        var counters = GpioInputCounters()
        var loadCounters: LoadCellCounters?
        /// The last event time (CLOCK_MONOTONIC) of the latest batch that brought more doubtful edges.
        var doubtfulAtNs: Int64 = .min
        var failure: String?
    }

    /// Opens the lines of every input `calibration` wires, as `profile` maps them, through `source`
    /// (`GpiodV1LineSource()` on a board) and reads their levels. Throws when a chip or line cannot be had.
    public init(name: String, profile: BoardProfile, calibration: Calibration, deviceId: String,
                source: any GpioLineSource, logger: Logger) throws(GpioError)
    {
        var options = GpioInputBackend.Options()
        options.waitTimeoutNs = Self.quietWakeNs
        let backend = calibration.wiredInputs.isEmpty ? nil : try GpioInputBackend(
            profile: profile, inputs: calibration.wiredInputs, source: source, options: options, logger: logger)
        self.backend = backend
        self.name = name
        self.logger = logger
        let originNs = backend?.openedNs ?? SystemClock.monotonicNs()
        originMonoNs = originNs
        header = TraceHeader(
            equipment: calibration.equipment, deviceId: deviceId, initialLevels: backend?.initialLevels ?? [:],
            note: "board \(name)")
        merge = BoardInputMerge(originNs: originNs, hasLines: backend != nil)
    }

    /// Reads `sampler` (an opened load cell) on a thread of its own once the board starts; `kind` says which for
    /// the log. Call before `start`.
    public func use(loadCell sampler: any LoadCellSampler, kind: String) {
        precondition(!started, "GpioBoard.use(loadCell:) after start")
        loadCell = LoadCellThread(sampler: sampler, logger: logger)
        loadCellKind = kind
    }

    /// Starts the GPIO reader thread and the load cell's; throws when a thread cannot be started.
    public func start() throws {
        guard !started else { return }
        started = true
        let inbox = self.inbox
        backend?.start(
            consumer: { batch in
                inbox.withLock { state in
                    if batch.counters.doubtfulEdges > state.counters.doubtfulEdges {
                        state.doubtfulAtNs = batch.events.last?.tNs ?? batch.completeThroughNs
                    }
                    state.edges.append(contentsOf: batch.events)
                    state.completeThroughNs = max(state.completeThroughNs, batch.completeThroughNs)
                    state.counters = batch.counters
                }
            },
            onFailure: { error in inbox.withLock { $0.failure = "\(error)" } })
        loadCell?.start { sample, counters in
            inbox.withLock { state in
                state.samples.append(sample)
                state.loadCounters = counters
            }
        }
    }

    /// Hands on, in time order, every edge and load sample the threads have read that is complete (up to the
    /// reader's horizon, not `boardNs`: a real board goes by its own clock), with the loss totals when they rose.
    public func read(untilBoardNs boardNs: Int64, emit: (BoardInput) -> Void) -> BoardProgress {
        let taken = inbox.withLock { state -> Inbox in
            let taken = state
            state.edges.removeAll(keepingCapacity: true)
            state.samples.removeAll(keepingCapacity: true)
            return taken
        }
        if taken.completeThroughNs != .min {
            merge.addEdges(taken.edges, completeThroughNs: taken.completeThroughNs)
        }
        merge.addSamples(taken.samples)
        if stopped { merge.endOfInput() }
        var handedOn = LateInputRule(startNs: merge.horizonNs)
        let horizonNs = merge.drain { event in
            handedOn.pass(event.tNs)
            emit(.event(event))
        }
        let counters = taken.counters
        if counters.doubtfulEdges > reportedDoubtfulEdges && taken.doubtfulAtNs != .min {
            reportedDoubtfulEdges = counters.doubtfulEdges
            // At the time of the batch that brought them, but never before what was just handed on (nor at or after
            // the horizon, which the loop evaluates up to).
            let atNs = min(handedOn.notBefore(taken.doubtfulAtNs - merge.originNs),
                           max(horizonNs - 1, handedOn.lastNs))
            emit(.inputLoss(counters.loss, atNs: atNs))
        }
        if let failure = taken.failure { return .failed("reading the GPIO lines failed: \(failure)") }
        return .running(horizonNs: horizonNs)
    }

    /// Stops and joins both threads; a later `read` hands on what they left.
    public func stop() {
        guard started else { return }
        backend?.stop()
        loadCell?.stop()
        stopped = true
    }

    /// The GPIO reader's and the load cell's totals since start, for the status and `diag`.
    public var inputCounters: BoardInputCounters? {
        let (gpio, load) = inbox.withLock { ($0.counters, $0.loadCounters) }
        return BoardInputCounters(gpio: gpio, lateInputs: merge.lateInputs, loadCell: load)
    }
}
