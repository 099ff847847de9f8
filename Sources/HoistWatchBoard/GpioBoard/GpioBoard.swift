import HoistWatchConfig
import HoistWatchCore
import HoistWatchSystem
import Logging

/// A real board: the GPIO lines of its profile, read by `GpioInputBackend` on its own thread, and the load cell
/// (`LoadCellThread` over the IIO driver or the bit-banged HX711), as the detection loop's input (docs/gpio.md,
/// "The agent on a GPIO board").
///
/// Board time is CLOCK_MONOTONIC since the lines were opened (`originMonoNs`, time scale 1); the trace header's
/// levels are what the backend read then. The loop is handed what the reader has completed
/// (`GpioInputBatch.completeThroughNs`, held back by the backend's settle time) and evaluates up to there, never
/// beyond: an edge is never applied after the engine evaluated past its time. Load samples are merged in by time
/// (`BoardInputMerge`), and the reader's losses go where they showed (`GpioLossMark`).
///
/// It wakes the loop only for a reason (`wakesOnInput`): the reader thread waits on the lines' descriptors and
/// calls the loop's wake-up when edges come, the load cell's thread when a sample comes; at its own deadlines the
/// loop reads what the kernel has queued itself (`GpioInputBackend.catchUp` in `read`), so the horizon reaches the
/// deadline without the reader waking every tick.
public final class GpioBoard: BoardInputSource, @unchecked Sendable {
    // @unchecked Sendable: `merge`, `loadCell`, `started` and `stopped` are used by the detection thread only
    // (start, read, stop); the reader threads hand over through `inbox`, behind its lock, and wake the loop through
    // `wake` (set before start); the backend and the load cell thread are themselves thread-safe.

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
    private var wake: (@Sendable (Int64) -> Void)?

    /// What the threads handed over since the last `read`.
    private struct Inbox {
        /// The reader's batches: edges, and the losses among them.
        var batches: [(events: [InputEvent], losses: [GpioLossMark])] = []
        var samples: [InputEvent] = []
        var completeThroughNs: Int64 = .min
        var counters = GpioInputCounters()
        var loadCounters: LoadCellCounters?
        var failure: String?
        /// The earliest input (CLOCK_MONOTONIC) the loop was woken for since its last `read`.
        var wokenForNs: Int64 = .max

        /// Whether an input at `tNs` comes before what the loop was woken for (and so wakes it again).
        mutating func wakes(forNs tNs: Int64) -> Bool {
            guard tNs < wokenForNs else { return false }
            wokenForNs = tNs
            return true
        }
    }

    /// Opens the lines of every input `calibration` wires, as `profile` maps them, through `source`
    /// (`GpiodV1LineSource()` on a board) and reads their levels. Throws when a chip or line cannot be had.
    public init(
        name: String, profile: BoardProfile, calibration: Calibration, deviceId: String,
        source: any GpioLineSource, logger: Logger
    ) throws(GpioError) {
        let backend =
            calibration.wiredInputs.isEmpty
            ? nil
            : try GpioInputBackend(
                profile: profile, inputs: calibration.wiredInputs, source: source, logger: logger)
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

    /// How long after a tick the loop evaluates it: the reader's settle time (edges are held back that long for
    /// lines the kernel has not queued yet; the loop's own read is complete to its time less that) and half a
    /// millisecond for the read itself (2 ms before the loop read the lines itself).
    public var evaluationDelayNs: Int64 { (backend?.options.settleNs ?? 0) + Self.readMarginNs }

    /// What `evaluationDelayNs` allows beyond the settle time, for the loop's own read of the lines.
    static let readMarginNs: Int64 = 500_000

    /// The board wakes the loop itself: the reader thread when edges come, the load cell's when a sample comes.
    public var wakesOnInput: Bool { true }

    /// `wake` gets the board time of an input soon after it came (from the reader threads), for the earliest input
    /// after each `read` (and again for an earlier one). Call before `start`.
    public func wakeOnInput(_ wake: @escaping @Sendable (Int64) -> Void) {
        precondition(!started, "GpioBoard.wakeOnInput after start")
        self.wake = wake
    }

    /// Starts the GPIO reader thread and the load cell's; throws when a thread cannot be started.
    public func start() throws {
        guard !started else { return }
        started = true
        let inbox = self.inbox
        let wake = self.wake
        let originNs = merge.originNs
        backend?.start(
            consumer: { batch in
                let firstNs = min(batch.events.first?.tNs ?? .max, batch.losses.first?.atNs ?? .max)
                let wakes = inbox.withLock { state -> Bool in
                    if !batch.events.isEmpty || !batch.losses.isEmpty {
                        state.batches.append((batch.events, batch.losses))
                    }
                    state.completeThroughNs = max(state.completeThroughNs, batch.completeThroughNs)
                    state.counters = batch.counters
                    return firstNs != .max && state.wakes(forNs: firstNs)
                }
                if wakes { wake?(firstNs - originNs) }
            },
            onFailure: { error in
                inbox.withLock { $0.failure = "\(error)" }
                wake?(.min)
            })
        loadCell?.start { sample, counters in
            let wakes = inbox.withLock { state -> Bool in
                state.samples.append(sample)
                state.loadCounters = counters
                return state.wakes(forNs: sample.tNs)
            }
            if wakes { wake?(sample.tNs - originNs) }
        }
    }

    /// Hands on, in time order, every edge and load sample the threads have read that is complete (up to the
    /// reader's horizon, not `boardNs`: a real board goes by its own clock; first what the kernel has queued now is
    /// read, `GpioInputBackend.catchUp`), with the loss totals where the reader found edges doubtful.
    public func read(untilBoardNs boardNs: Int64, emit: (BoardInput) -> Void) -> BoardProgress {
        let inbox = self.inbox
        if let backend, !stopped {
            do {
                try backend.catchUp { batch in
                    inbox.withLock { state in
                        if !batch.events.isEmpty || !batch.losses.isEmpty {
                            state.batches.append((batch.events, batch.losses))
                        }
                        state.completeThroughNs = max(state.completeThroughNs, batch.completeThroughNs)
                        state.counters = batch.counters
                    }
                }
            } catch {
                inbox.withLock { $0.failure = "\(error)" }
            }
        }
        let taken = inbox.withLock { state -> Inbox in
            let taken = state
            state.batches.removeAll(keepingCapacity: true)
            state.samples.removeAll(keepingCapacity: true)
            state.wokenForNs = .max
            return taken
        }
        for batch in taken.batches {
            merge.addEdges(batch.events, losses: batch.losses, completeThroughNs: taken.completeThroughNs)
        }
        merge.addEdges([], completeThroughNs: taken.completeThroughNs)
        merge.addSamples(taken.samples)
        if stopped { merge.endOfInput() }
        let horizonNs = merge.drainInputs(emit: emit)
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
