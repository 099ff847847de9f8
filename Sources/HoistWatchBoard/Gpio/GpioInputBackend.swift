import HoistWatchConfig
import HoistWatchCore
import HoistWatchSystem
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The board's digital inputs: every wired input of the profile requested for both edges, read on a dedicated
/// thread in batches, turned into the input events a trace holds (`EdgeSequencer`), handed to a consumer.
///
/// `init` requests the lines and reads their levels (the trace header's `initial.levels`); `start` runs the
/// reader thread, `stop` ends it after handing on everything read. `pump` is one turn of that thread, for tests
/// and the bench, which drive it without a thread.
public final class GpioInputBackend: @unchecked Sendable {
    // @unchecked Sendable: `request`, `sequencer`, the buffers and `nextResyncNs` are used by one thread at a time:
    // the caller of `pump` (no thread), or, between `start` and `stop`, whoever holds `turnLock` (the reader thread's
    // turns, `catchUp` from the detection loop); the counters are behind their own lock.

    /// Timing of the reader.
    public struct Options: Sendable, Hashable {
        /// Longest wait for an edge in one `pump` (100 ms); the reader thread waits until the next re-read instead.
        public var waitTimeoutNs: Int64 = 100_000_000
        /// How long after its timestamp an edge is held back for edges of other lines the kernel has not queued
        /// yet (its interrupt thread runs after the timestamp is taken): 1 ms.
        public var settleNs: Int64 = 1_000_000
        /// How often every line's level is re-read and compared with the tracked state (1 s).
        public var resyncIntervalNs: Int64 = 1_000_000_000
        /// Reads per batch before the batch is handed on even though edges keep coming.
        public var maxReadsPerBatch: Int = 8
        /// SCHED_FIFO priority for the reader thread (needs CAP_SYS_NICE); nil keeps the default scheduler.
        public var realtimePriority: Int32? = nil

        /// The defaults above.
        public init() {}
    }

    /// The logical inputs read, in request order.
    public let inputs: [InputName]
    /// Logical level of each input at `openedNs` (its first read).
    public let initialLevels: [InputName: UInt8]
    /// CLOCK_MONOTONIC time of the first read: a trace recorded from this backend starts here.
    public let openedNs: Int64
    /// The reader's timing, as given to `init`.
    public let options: Options

    private let request: any GpioLineRequest
    private let logger: Logger
    private var sequencer: EdgeSequencer
    private var edges: [GpioEdge] = []
    private var levelBuffer: [UInt8] = []
    private var batches: Int64 = 0
    private var nextResyncNs: Int64
    private let sharedCounters = Locked(GpioInputCounters())
    private let thread = PosixThread()
    /// Cuts the reader thread's wait short (a stop), beside the lines' descriptors.
    private let wake = WakeSignal()
    /// Who may read the lines now: the reader thread's turns and `catchUp` take it, so their batches reach their
    /// consumers in order. Guards the state above too once the thread runs.
    private let turnLock = Locked(TurnState())

    private struct TurnState {
        /// Between `start` and the end of the reader thread.
        var running = false
        /// The horizon of the last batch handed on (by either reader).
        var handedThroughNs = Int64.min
    }

    /// Requests `inputs` (each must be in `profile`) from `source` and reads their levels.
    public init(
        profile: BoardProfile, inputs wanted: Set<InputName>, source: any GpioLineSource,
        options: Options = Options(), logger: Logger, consumer name: String = "hoistwatch"
    ) throws(GpioError) {
        let inputs = wanted.sorted()
        var specs: [GpioLineSpec] = []
        for input in inputs {
            guard let line = profile.inputs[input] else {
                throw GpioError(
                    .invalidLine, function: "GpioInputBackend", subject: input.wireName,
                    message: "the board profile maps no line for this input")
            }
            specs.append(GpioLineSpec(input: input, line: line))
        }
        let request = try source.request(specs, consumer: name)
        var levels: [UInt8] = []
        let startNs = request.monotonicNs()
        try request.readLevels(into: &levels)
        let endNs = request.monotonicNs()

        self.inputs = inputs
        self.request = request
        self.options = options
        self.logger = logger
        openedNs = startNs
        initialLevels = Dictionary(uniqueKeysWithValues: zip(inputs, levels))
        sequencer = EdgeSequencer(inputs: inputs, initialLevels: levels, readStartNs: startNs, readEndNs: endNs)
        nextResyncNs = endNs + options.resyncIntervalNs
        edges.reserveCapacity(GpiodV1LineSource.kernelFifoCapacity * max(1, inputs.count))
        let lines = specs.map { "\($0.input.wireName)=\($0.line.chip.text):\($0.line.offset)" }
        logger.info("gpio lines requested", metadata: ["gpio.lines": "\(lines.joined(separator: ","))"])
    }

    /// The counters as of the last batch (any thread).
    public var counters: GpioInputCounters { sharedCounters.withLock { $0 } }

    /// One turn of the reader: waits up to `waitTimeoutNs` for edges, reads until the kernel has nothing more (or
    /// `maxReadsPerBatch` reads), re-reads the levels when due, and returns what can be handed on. For tests and
    /// the bench, which drive the backend without its thread (the thread waits on the lines' descriptors instead).
    public func pump() throws(GpioError) -> GpioInputBatch {
        try turn(waitNs: options.waitTimeoutNs)
    }

    /// `pump` with a longest wait of `waitNs` (0: take what is queued, do not wait).
    private func turn(waitNs: Int64) throws(GpioError) -> GpioInputBatch {
        var out: [InputEvent] = []
        var timeoutNs = sequencer.hasPending ? min(waitNs, options.settleNs) : waitNs
        for _ in 0..<max(1, options.maxReadsPerBatch) {
            edges.removeAll(keepingCapacity: true)
            let result = try request.readEdges(timeoutNs: timeoutNs, into: &edges)
            if result.suspectedOverflows > 0 {
                sequencer.noteSuspectedOverflows(result.suspectedOverflows, afterNs: result.completeUntilNs)
            }
            // v2 numbers every edge: a gap means the kernel dropped some, maybe a line's last. Its level is
            // re-read now rather than at the next interval.
            if result.droppedEvents > 0 { nextResyncNs = min(nextResyncNs, request.monotonicNs()) }
            let safeUntilNs = result.completeUntilNs == .max ? .max : result.completeUntilNs - options.settleNs
            sequencer.ingest(edges, safeUntilNs: safeUntilNs, into: &out)
            if edges.isEmpty { break }
            timeoutNs = 0
        }
        let nowNs = request.monotonicNs()
        if nowNs >= nextResyncNs && !sequencer.resyncPending {
            let startNs = nowNs
            try request.readLevels(into: &levelBuffer)
            let endNs = request.monotonicNs()
            sequencer.resync(levels: levelBuffer, readStartNs: startNs, readEndNs: endNs)
            nextResyncNs = endNs + options.resyncIntervalNs
        }
        return finish(out)
    }

    /// How long the reader thread may wait for the next edge: the settle time while edges (or a re-read's
    /// comparison) are held back, else until the next re-read of the levels is due. Nothing else needs it awake:
    /// the detection loop reads what is complete itself (`catchUp`) when its own deadline comes.
    private func quietWaitNs() -> Int64 {
        if sequencer.hasPending || sequencer.resyncPending { return options.settleNs }
        return min(options.resyncIntervalNs, max(0, nextResyncNs - request.monotonicNs()))
    }

    /// Hands on every edge still held back (the reader is stopping).
    public func flush() -> GpioInputBatch {
        var out: [InputEvent] = []
        sequencer.flush(into: &out)
        return finish(out)
    }

    private func finish(_ out: [InputEvent]) -> GpioInputBatch {
        if !out.isEmpty { batches += 1 }
        var counters = sequencer.counters
        counters.batches = batches
        sharedCounters.withLock { $0 = counters }
        return GpioInputBatch(
            events: out, counters: counters, completeThroughNs: sequencer.completeThroughNs,
            losses: sequencer.takeLossMarks())
    }

    /// Reads, without waiting, what the kernel has queued now (any thread: the detection loop calls it when it
    /// wakes for a deadline, so the horizon is there without the reader thread waking every tick) and hands the
    /// batch to `deliver` when it has events or moved the horizon on. Serialised with the reader thread's turns,
    /// whose batches go to the consumer in the same order. Does nothing before `start` or after `stop`.
    public func catchUp(_ deliver: (GpioInputBatch) -> Void) throws(GpioError) {
        try turnLock.withLock { state throws(GpioError) in
            guard state.running else { return }
            let batch = try turn(waitNs: 0)
            if !batch.events.isEmpty || !batch.losses.isEmpty || batch.completeThroughNs > state.handedThroughNs {
                state.handedThroughNs = batch.completeThroughNs
                deliver(batch)
            }
        }
    }

    /// Starts the reader thread: `consumer` gets every batch with events, or whose `completeThroughNs` moved on,
    /// on that thread (it must return quickly: the kernel keeps 16 edges per line); `onFailure` gets the error that
    /// ended it, if one did. The thread waits on the lines' descriptors (`GpioLineRequest.waitForEdges`): it wakes
    /// for edges, for the settle time after them, for the re-read of the levels (once a second) and for `stop`.
    public func start(
        consumer: @escaping @Sendable (GpioInputBatch) -> Void,
        onFailure: @escaping @Sendable (GpioError) -> Void = { _ in }
    ) {
        turnLock.withLock { $0.running = true }
        let rc = thread.start("GpioInputBackend") { [self] in run(consumer: consumer, onFailure: onFailure) }
        if rc != 0 {
            turnLock.withLock { $0.running = false }
            onFailure(
                GpioError(
                    .io, function: "pthread_create", subject: "gpio reader thread", errnoValue: rc,
                    message: String(cString: strerror(rc))))
        }
    }

    /// Ends the reader thread and waits for it; the last batch (with every held edge) has been handed to the
    /// consumer when this returns. Safe to call more than once, and from any thread but the reader's.
    public func stop() {
        wake.signal()
        thread.stop()
    }

    private func run(consumer: @Sendable (GpioInputBatch) -> Void, onFailure: @Sendable (GpioError) -> Void) {
        if let priority = options.realtimePriority {
            var parameters = sched_param()
            parameters.sched_priority = priority
            let rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &parameters)
            if rc != 0 {
                logger.info(
                    "gpio reader stays on the default scheduler",
                    metadata: ["gpio.priority": "\(priority)", "error": "\(String(cString: strerror(rc)))"])
            }
        }
        logger.info("gpio reader started", metadata: ["gpio.inputs": "\(inputs.count)"])
        var failure: GpioError?
        while !thread.isStopRequested {
            do throws(GpioError) {
                let waitNs = turnLock.withLock { _ in quietWaitNs() }
                // Outside the lock: `catchUp` may read meanwhile (then the wait may find the lines already empty).
                if try request.waitForEdges(timeoutNs: waitNs, orReadable: wake.readableDescriptor) == .woken {
                    wake.consume()
                    continue
                }
                try turnLock.withLock { state throws(GpioError) in
                    let batch = try turn(waitNs: 0)
                    if !batch.events.isEmpty || !batch.losses.isEmpty
                        || batch.completeThroughNs > state.handedThroughNs
                    {
                        state.handedThroughNs = batch.completeThroughNs
                        consumer(batch)
                    }
                }
            } catch {
                failure = error
                break
            }
        }
        let last = turnLock.withLock { state -> GpioInputBatch in
            state.running = false
            let last = flush()
            if !last.events.isEmpty || !last.losses.isEmpty || last.completeThroughNs > state.handedThroughNs {
                state.handedThroughNs = last.completeThroughNs
                consumer(last)
            }
            return last
        }
        let counters = last.counters
        logger.info(
            "gpio reader stopped",
            metadata: [
                "gpio.edges": "\(counters.edges)", "gpio.lost_edges": "\(counters.lostEdges)",
                "gpio.overflows_suspected": "\(counters.overflowsSuspected)",
            ])
        if let failure { onFailure(failure) }
    }
}
