import HoistWatchCore
import HoistWatchSystem
import Logging
import ServiceLifecycle

/// The agent's main loop: it reads the board's inputs up to now (`BoardInputSource`: the simulated plant, or a real
/// board's GPIO lines and load cell) and runs the detection core, whose events get the board's
/// clocks and their ids as they are made (the loop keeps the core's `EventClock` current), and writes them to the
/// outbox, which numbers them (`seq`) in the transaction that stores them (fsynced) before anything else happens.
///
/// It wakes only for a reason: at the tick after the board's next input (when the board can say when that comes:
/// the simulated plant; or when the board wakes it for one: a real board's reader threads, `InputWake`) or at the
/// engine's own next deadline (a confirm or clear time running out, a debounce settling:
/// `DetectionEngine.nextDeadlineNs`), whichever is first, and at least once a second. The engine evaluates every
/// tick of its grid in between, so raise times do not change.
///
/// It runs on a thread of its own: the outbox append is a blocking fsync and must not hold a thread of Swift's
/// cooperative pool. When the outbox's database cannot store (full, read-only, I/O error) the outbox holds the
/// events in memory and publishes them from there (`UnsavedEntries`); the loop retries storing them once a second,
/// keeps the space reserve, and raises `storage_fault` from what the outbox reports (`StorageWatch`). Any other
/// refusal keeps the events here, retried every tick, logged once.
public final class DetectionService: Service, Sendable {
    /// What the loop needs, fixed at start.
    public struct Configuration: Sendable {
        /// The calibration every run's engine judges by (thresholds, wiring, landings).
        public var calibration: Calibration
        /// The `device_id` the stamper gives every event (the site config's).
        public var deviceId: String
        /// The kernel's boot id, stamped on every event so `mono_ns` can be ordered.
        public var bootId: String
        /// Topics and send classes for the events and flight records the loop stores.
        public var routing: EventRouting

        /// The loop's fixed inputs; `deviceId` should be the one `routing` puts in the topics.
        public init(calibration: Calibration, deviceId: String, bootId: String, routing: EventRouting) {
            self.calibration = calibration
            self.deviceId = deviceId
            self.bootId = bootId
            self.routing = routing
        }
    }

    /// The loop wakes once per tick of the engine's grid (board time at time_scale 1).
    private static let tickNs = SignalChain.tickNs
    /// The longest the loop sleeps, whatever the deadlines say (the clock-sync check and the snapshot stay fresh).
    private static let longestSleepNs: Int64 = 1_000_000_000

    private let configuration: Configuration
    private let outbox: Outbox
    private let snapshot: SharedSnapshot
    private let notifier: SystemdNotifier
    private let logger: Logger
    private let board: Locked<(any BoardInputSource)?>
    private let stopRequested = Locked(false)
    /// Cuts the loop's sleep short when a stop is asked for.
    private let wakeSignal = WakeSignal()

    /// The loop over `board`, which it starts when it runs and stops when it ends.
    public init(
        configuration: Configuration, board: any BoardInputSource, outbox: Outbox, snapshot: SharedSnapshot,
        notifier: SystemdNotifier, logger: Logger
    ) {
        self.configuration = configuration
        self.board = Locked(board)
        self.outbox = outbox
        self.snapshot = snapshot
        self.notifier = notifier
        self.logger = logger
    }

    /// Why the loop ended early.
    public struct BoardFailure: Error, Sendable, CustomStringConvertible {
        /// What went wrong with the board, as a sentence that names the error: what the agent exits with.
        public var message: String
        /// The message, unchanged.
        public var description: String { message }
    }

    /// Runs until graceful shutdown or cancellation; what was detected until then is in the outbox. Throws
    /// `BoardFailure` when the board could not be started or stopped being readable (the agent then exits, and
    /// systemd restarts it).
    public func run() async throws {
        let stop = stopRequested
        let wake = wakeSignal
        let failure = await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<BoardFailure?, Never>) in
                    PosixThread.detach {
                        continuation.resume(returning: self.loop())
                    }
                }
            } onGracefulShutdown: {
                stop.withLock { $0 = true }
                wake.signal()
            }
        } onCancel: {
            stop.withLock { $0 = true }
            wake.signal()
        }
        if let failure { throw failure }
    }

    /// Asks the loop to stop after its current tick.
    public func requestStop() {
        stopRequested.withLock { $0 = true }
        wakeSignal.signal()
    }

    private func loop() -> BoardFailure? {
        guard var board = board.withLock({ $0.take() }) else { return nil }
        let evaluationDelayNs = board.evaluationDelayNs
        // A board that wakes the loop itself (a real board's reader threads): the loop sleeps until the engine's
        // deadline or until an input asks for the tick after it.
        let inputWake =
            board.wakesOnInput
            ? InputWake(
                signal: wakeSignal, originMonoNs: board.originMonoNs ?? SystemClock.monotonicNs(),
                tickNs: Self.tickNs, evaluationDelayNs: evaluationDelayNs)
            : nil
        if let inputWake { board.wakeOnInput { inputWake.note(boardNs: $0) } }
        do {
            try board.start()
        } catch {
            logger.error("the board's inputs could not be read", metadata: ["error": "\(error)"])
            return BoardFailure(message: "the board's inputs could not be read: \(error)")
        }
        var failure: BoardFailure?
        var unsaved: [Pending] = []
        // Flight records are encoded off this loop (FlightRecordEncoder): an alarm never waits for one.
        let recordEncoder = FlightRecordEncoder(routing: configuration.routing)
        let startMono = SystemClock.monotonicNs()
        // The loop runs the board's evaluation delay after each 10 ms tick of board time (at time_scale 1; 0 for the
        // simulated plant, the settle time and a margin for GPIO lines): by then the inputs up to the tick are in,
        // so a fault is evaluated that long after its confirm time ran out, not up to a whole tick later.
        var nextTick = startMono + evaluationDelayNs - Self.tickNs
        var wakeAtMono = startMono + evaluationDelayNs
        /// When the loop last meant to wake (not when it did: late wake-ups must not push the next one back).
        var scheduledMono = wakeAtMono - Self.tickNs
        var synced = SystemClock.isSynchronised()
        var lastClockCheck = startMono
        var lastWatchdog = startMono
        var finishedLogged = false
        let wiredInputs = configuration.calibration.wiredInputs.sorted()
        var edgeBase = [Int64](repeating: 0, count: 256)
        /// Door-zone marks of this run already copied to the snapshot.
        var marksCopied: Int64 = 0
        var metadata: Logger.Metadata = [
            "equipment": "\(configuration.calibration.equipment.rawValue)", "board": "\(board.name)",
        ]
        for (key, value) in board.logMetadata { metadata[key] = "\(value)" }
        logger.info("detection started", metadata: metadata)
        let originMono = board.originMonoNs ?? startMono
        let timeScale = board.timeScale
        /// Where a run's time sits on the board's clocks: every event gets its `mono_ns`, `time` and id as it is made.
        func clock(runStartNs: Int64) -> EventClock {
            EventClock(
                originMonoNs: originMono, runStartNs: runStartNs, timeScale: timeScale,
                wallMinusMonoNs: SystemClock.realtimeNs() - SystemClock.monotonicNs(), timeSynced: synced)
        }
        var run = Run(configuration: configuration, header: board.header, clock: clock(runStartNs: 0))
        var storage = StorageWatch(
            deviceId: configuration.deviceId, bootId: configuration.bootId,
            equipment: configuration.calibration.equipment, health: outbox.storageHealth(), nowMonoNs: startMono,
            logger: logger)
        if let recovery = outbox.recovery {
            var events: [Event] = []
            storage.noteRecovery(recovery, nowMonoNs: startMono, into: &events)
            unsaved.append(contentsOf: events.map { .event($0) })
        }
        var appendFailing = false
        // The last turn runs after the board stopped, so what its threads read until then is stored too.
        var lastTurn = false
        while !lastTurn {
            if stopRequested.withLock({ $0 }) || failure != nil {
                board.stop()
                lastTurn = true
            } else if let inputWake {
                var dueNs = inputWake.plan(wakeAtMono)
                while SystemClock.monotonicNs() < dueNs, !stopRequested.withLock({ $0 }) {
                    wakeSignal.wait(untilMonotonicNs: dueNs)
                    dueNs = inputWake.dueMonoNs
                }
                scheduledMono = max(dueNs, scheduledMono)
                inputWake.beginTurn()
            } else {
                wakeSignal.wait(untilMonotonicNs: wakeAtMono)
                scheduledMono = wakeAtMono
            }
            let now = SystemClock.monotonicNs()
            if now - lastClockCheck >= 1_000_000_000 {
                synced = SystemClock.isSynchronised()
                lastClockCheck = now
            }
            let boardNs = Int64(Double(now - startMono) * timeScale)
            var events: [Event] = []
            var records: [FlightRecord] = []
            run.engine.stamper.clock.wallMinusMonoNs = SystemClock.realtimeNs() - now
            run.engine.stamper.clock.timeSynced = synced
            let progress = board.read(untilBoardNs: boardNs) { input in
                switch input {
                case .event(let event): run.engine.process(event, into: &events)
                case .inputLoss(let totals, let atNs): run.engine.noteInputLoss(totals, atNs: atNs, into: &events)
                }
            }
            switch progress {
            case .running(let horizonNs):
                if horizonNs > 0 { run.engine.advance(toNs: horizonNs - 1, into: &events) }
            case .failed(let message):
                if failure == nil {
                    logger.error(
                        "the board's inputs can no longer be read; stopping", metadata: ["error": "\(message)"])
                    failure = BoardFailure(message: message)
                }
            case .finished(let horizonNs):
                run.engine.advance(toNs: horizonNs, into: &events)
                if !finishedLogged {
                    logger.notice("scenario finished; the agent keeps running (set [sim] loop = true to repeat it)")
                    finishedLogged = true
                }
            case .restarted:
                run.engine.finish(into: &events)
                logger.info("scenario restarted", metadata: ["run": "\(board.runs)"])
            }
            records.append(contentsOf: run.engine.completedRecords)
            run.engine.completedRecords.removeAll(keepingCapacity: true)
            for event in events {
                if event.transition == .raised { run.raised[event.id] = event }
                unsaved.append(.event(event))
            }
            for record in records {
                if let raised = run.raised[record.eventId] { recordEncoder.submit(record, raised: raised) }
            }
            unsaved.append(contentsOf: recordEncoder.takeEncoded().map { .record($0) })
            if case .restarted(let header) = progress {
                // Edge counts are the board's since the agent started, not the run's.
                for input in wiredInputs { edgeBase[Int(input.rawValue)] += run.engine.signals.edgeCount(input) }
                marksCopied = 0
                run = Run(configuration: configuration, header: header, clock: clock(runStartNs: board.runStartNs))
            }
            run.forgetOld(nowMonoNs: now)
            unsaved = store(unsaved, failing: &appendFailing)
            var health = outbox.storageHealth()
            if storage.reopenDue(health, nowMonoNs: now) {
                if outbox.performAndWait({ $0.reopenDurable() }) {
                    logger.notice(
                        "the state folder takes writes again: the outbox is durable, what memory held is stored",
                        metadata: ["count": "\(health.unsavedCount)"])
                }
                health = outbox.storageHealth()
            }
            if storage.retryDue(health, nowMonoNs: now) {
                _ = try? outbox.performAndWait { try $0.retryUnsaved() }
                health = outbox.storageHealth()
            }
            if storage.reserveDue(nowMonoNs: now) { outbox.performAndWait { $0.maintainReserve() } }
            var storageEvents: [Event] = []
            storage.update(health, clock: run.engine.stamper.clock, nowMonoNs: now, into: &storageEvents)
            unsaved.append(contentsOf: storageEvents.map { .event($0) })
            let engine = run.engine
            var since: [String: Int64] = [:]
            for fault in engine.active { since[fault.raisedId] = run.raised[fault.raisedId]?.monoNs }
            for fault in storage.active { since[fault.raisedId] = fault.raisedAtNs }
            let readings = wiredInputs.map {
                AgentSnapshot.InputReading(
                    name: $0.wireName, level: engine.signals.level($0),
                    edges: edgeBase[Int($0.rawValue)] + engine.signals.edgeCount($0))
            }
            snapshot.update { state in
                state.counters = engine.counters
                state.active = engine.active + storage.active
                state.activeSinceMonoNs = since
                state.positionM = engine.signals.positionM
                state.speedMps = engine.signals.speedMps
                state.loadKg = engine.signals.loadKg
                state.inputs = readings
                state.referenced = engine.signals.referenced
                state.floor = Self.floor(engine.signals, calibration: configuration.calibration)
                state.windMps = configuration.calibration.equipment == .crane ? engine.signals.wind10sMps : nil
                state.unsaved = unsaved.count + health.unsavedCount
                state.storage = health
                state.boardRuns = board.runs
                state.boardCounters = board.inputCounters
                state.encoderCount = engine.signals.encoderCount
                state.loadRaw = engine.signals.loadRawMedian
                if engine.signals.doorZoneMarkCount > marksCopied, let mark = engine.signals.lastDoorZoneMark {
                    marksCopied = engine.signals.doorZoneMarkCount
                    let n = (state.doorZoneMarks.last?.n ?? 0) + 1
                    state.doorZoneMarks.append(.init(n: n, mark: mark))
                    if state.doorZoneMarks.count > AgentSnapshot.doorZoneMarkLimit { state.doorZoneMarks.removeFirst() }
                }
            }
            if let interval = notifier.watchdogIntervalNs, now - lastWatchdog >= interval {
                notifier.notify("WATCHDOG=1")
                lastWatchdog = now
            }
            if inputWake != nil {
                // The board wakes the loop for its inputs; the loop wakes by itself for the engine's deadline (a
                // tick of board time on CLOCK_MONOTONIC, time scale 1), at most a second away.
                let deadlineMono =
                    run.engine.nextDeadlineNs.map { originMono + board.runStartNs + $0 + evaluationDelayNs }
                    ?? .max
                wakeAtMono = min(now + Self.longestSleepNs, deadlineMono)
                if let interval = notifier.watchdogIntervalNs { wakeAtMono = min(wakeAtMono, lastWatchdog + interval) }
                wakeAtMono = max(wakeAtMono, scheduledMono + Self.tickNs)
            } else if let nextInput = board.nextInputBoardNs {
                // Board time of the first tick to evaluate: the engine's deadline, or the tick at or after the next
                // input (ticks are on the run's grid), back on the monotonic clock.
                var wakeBoardNs = run.engine.nextDeadlineNs.map { board.runStartNs + $0 } ?? .max
                if nextInput != .max {
                    let tick = Self.tickNs
                    let runNs = max(0, nextInput - board.runStartNs)
                    wakeBoardNs = min(wakeBoardNs, board.runStartNs + (runNs + tick - 1) / tick * tick)
                }
                // At most a second of the monotonic clock, and of board time (a simulated board faster than real
                // time): no turn covers more than a second of input however the deadlines are.
                let latest = now + min(Self.longestSleepNs, Int64(Double(Self.longestSleepNs) / max(timeScale, 1)))
                wakeAtMono =
                    wakeBoardNs == .max
                    ? latest
                    : min(
                        latest,
                        startMono + Int64((Double(wakeBoardNs) / timeScale).rounded(.up)) + evaluationDelayNs)
                if let interval = notifier.watchdogIntervalNs { wakeAtMono = min(wakeAtMono, lastWatchdog + interval) }
                // Never more often than a tick of the monotonic clock: faster than real time (a simulated board's
                // time_scale) the engine catches up on several ticks per turn, as the fixed 10 ms loop did.
                wakeAtMono = max(wakeAtMono, scheduledMono + Self.tickNs)
            } else {
                nextTick += Self.tickNs
                if nextTick < now - 1_000_000_000 { nextTick = now }  // fell far behind (suspend): no burst
                wakeAtMono = nextTick
            }
        }
        unsaved.append(contentsOf: recordEncoder.finish().map { .record($0) })
        if !unsaved.isEmpty {
            unsaved = store(unsaved, failing: &appendFailing)
            if !unsaved.isEmpty {
                logger.error("stopping with events the outbox would not take", metadata: ["count": "\(unsaved.count)"])
            }
        }
        // What memory still holds (the card full, read-only or failing): one more try to store it, then the count
        // of what is lost with the process (published from memory, never stored).
        let before = outbox.storageHealth().unsavedCount
        if before > 0 {
            if outbox.isMemoryOnly { _ = outbox.performAndWait { $0.reopenDurable() } }
            _ = try? outbox.performAndWait { try $0.retryUnsaved() }
            let held = outbox.storageHealth().unsavedCount
            if held > 0 {
                logger.error(
                    "stopping with entries the card could not store (published from memory, now lost)",
                    metadata: ["count": "\(held)"])
            } else {
                logger.notice("stopping: what memory held is stored", metadata: ["count": "\(before)"])
            }
        }
        logger.info("detection stopped")
        return failure
    }

    /// The landing (1 = bottom) the car is level with, within the door zone half-width; nil otherwise.
    private static func floor(_ signals: SignalChain, calibration: Calibration) -> Int? {
        guard calibration.equipment == .elevator, let landing = signals.nearestLanding,
            abs(landing.heightM - signals.positionM) <= calibration.doorZoneHalfM
        else { return nil }
        return landing.index + 1
    }

    /// Appends everything of this tick in one transaction (one fsync); returns what could not be stored yet
    /// (all of it, when the transaction failed: nothing is half-stored). A storage failure does not throw here: the
    /// outbox holds the entries in memory (results with `durable` false). `failing` keeps the log to one line per
    /// change.
    private func store(_ pending: [Pending], failing: inout Bool) -> [Pending] {
        guard !pending.isEmpty else { return [] }
        let routing = configuration.routing
        // A flight record may be several entries (parts that fit the message size limit); `owners` maps each item
        // back to what it stores.
        var items: [Outbox.BatchItem] = []
        var owners: [Int] = []
        for (index, item) in pending.enumerated() {
            switch item {
            case .event(let event):
                items.append(.event { seq in routing.entry(for: event, seq: seq) })
                owners.append(index)
            case .record(let encoded):
                for entry in encoded.entries {
                    items.append(.message(entry))
                    owners.append(index)
                }
            }
        }
        var results: [OutboxAppendResult] = []
        do {
            LatencyTrace.shared?.appending()
            let stored = try outbox.performAndWait { try $0.append(batch: items) }
            for (result, owner) in zip(stored, owners) {
                if owner == results.count {
                    results.append(result)
                } else if !result.stored {
                    results[owner].stored = false
                }
            }
        } catch {
            if !failing {
                logger.error("outbox append failed; retrying every tick", metadata: ["error": "\(error)"])
                failing = true
            }
            return pending
        }
        if failing {
            logger.notice("outbox append works again")
            failing = false
        }
        for (item, result) in zip(pending, results) {
            switch item {
            case .event(let event):
                let seq = result.seq ?? 0
                snapshot.update { state in
                    state.eventsStored += 1
                    state.lastSeq = seq
                    state.recent.append(
                        .init(
                            seq: seq, type: event.type.rawValue,
                            transition: event.transition.rawValue,
                            severity: event.severity.rawValue, wallNs: event.wallNs))
                    if state.recent.count > AgentSnapshot.recentLimit { state.recent.removeFirst() }
                    if !event.timeSynced { state.uncorrectedTimes = true }
                }
                if !result.stored {
                    logger.warning("outbox full: event dropped by the cap policy", metadata: ["seq": "\(seq)"])
                }
                logger.info(
                    result.durable ? "event stored" : "event held in memory (not durable)",
                    metadata: [
                        "seq": "\(seq)", "type": "\(event.type.rawValue)", "transition": "\(event.transition.rawValue)",
                    ])
            case .record(let encoded):
                if !result.stored {
                    logger.warning("outbox full: flight record dropped", metadata: ["event_id": "\(encoded.eventId)"])
                }
            }
        }
        return []
    }

    private enum Pending: Sendable {
        case event(Event)
        /// An alarm's flight record, encoded (`FlightRecordEncoder`): its outbox entries.
        case record(FlightRecordEncoder.Encoded)
    }

    /// One run of the board's scenario: its engine and the raised events whose flight records are still open.
    private struct Run {
        var engine: DetectionEngine
        var raised: [String: Event] = [:]

        /// A run's engine whose events get the board's clocks from `clock` (kept current by the loop).
        init(configuration: Configuration, header: TraceHeader, clock: EventClock) {
            var random = SystemRandomNumberGenerator()
            let stamper = EventStamper(
                deviceId: configuration.deviceId, bootId: configuration.bootId, clock: clock, seed: random.next())
            engine = DetectionEngine(calibration: configuration.calibration, header: header, stamper: stamper)
        }

        /// Forgets raised events whose flight record is long done (bounded memory over years): a record ends
        /// 5 s of board time after its raise, so ten minutes of wall time is ample even at time_scale 0.01.
        mutating func forgetOld(nowMonoNs: Int64) {
            guard raised.count > 32 else { return }
            let open = Set(engine.active.map(\.raisedId))
            raised = raised.filter { open.contains($0.key) || nowMonoNs - $0.value.monoNs < 600_000_000_000 }
        }
    }
}
