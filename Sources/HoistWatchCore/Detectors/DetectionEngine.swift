/// The on-board brain: input events in, stamped fault events and flight records out (faults.md).
///
/// The same engine runs live (`hoistwatch run`) and in `replay`. Time comes only from the events: detectors are
/// evaluated on a 10 ms tick grid of trace time, so results never depend on how fast events are fed.
public struct DetectionEngine: Sendable {
    /// The derived signals (debounced levels, position, speed, load, wind) as of the last tick.
    public private(set) var signals: SignalChain
    /// The maintenance counters (trips, door cycles, running time, ...) accumulated since the engine started.
    public private(set) var counters = Counters()
    /// Gives each event its id, `seq`, boot id and wall time.
    public var stamper: EventStamper
    /// Flight records completed since the caller last took them.
    public var completedRecords: [FlightRecord] = []
    /// Faults raised now, with their raised event's id and time.
    public private(set) var active: [ActiveFault] = []

    private let calibration: Calibration
    private let equipment: Equipment
    private var recorder: FlightRecorder
    private var nextTickNs: Int64 = 0
    private var lastEventNs: Int64 = 0
    /// Trace time of the last input (event or loss totals) applied; -1 before the first.
    private var lastInputNs: Int64 = -1
    private var changed: [InputName] = []
    private var wasMoving = false
    private var lastPositionM: Double
    private var inspectionActive = false
    private var inspectionRaised: (id: String, atNs: Int64)?

    private var overspeed: OverspeedDetector?
    private var overload: OverloadDetector?
    private var prewarning: OverloadDetector?
    private var trapped: TrappedPassengerDetector?
    private var stoppedOutside: StoppedOutsideDoorZoneDetector?
    private var doorOpen: DoorOpenWhileMovingDetector?
    private var overtravelTop: OvertravelDetector?
    private var overtravelBottom: OvertravelDetector?
    private var topLimit: ElevatorLimitSwitchDetector?
    private var bottomLimit: ElevatorLimitSwitchDetector?
    private var craneLimits: CraneLimitSwitchDetector?
    private var power: LevelFaultDetector?
    private var alarmButton: LevelFaultDetector?
    private var sensor: SensorFaultDetector
    private var wind: HighWindDetector?

    /// A fault that is raised now.
    public struct ActiveFault: Sendable, Hashable {
        /// What is raised; `instance` says which one when a type has several.
        public var type: FaultType
        /// Distinguishes several instances of one type (the elevator's two limit switches).
        public var instance: String
        /// The id of the raised event, which its cleared event will name as `raised_id`.
        public var raisedId: String
        /// Trace time of the raise, ns (`mono_ns` of the raised event).
        public var raisedAtNs: Int64
        /// The severity the raised event carried.
        public var severity: Severity

        /// A raised fault as the engine (or the agent, for faults it raises itself: `storage_fault`) keeps it.
        public init(type: FaultType, instance: String, raisedId: String, raisedAtNs: Int64, severity: Severity) {
            self.type = type
            self.instance = instance
            self.raisedId = raisedId
            self.raisedAtNs = raisedAtNs
            self.severity = severity
        }
    }

    /// Builds the detectors the wiring allows (`DetectorPlan` says which are off and why).
    public init(calibration: Calibration, header: TraceHeader, stamper: EventStamper) {
        self.calibration = calibration
        equipment = calibration.equipment
        self.stamper = stamper
        signals = SignalChain(calibration: calibration, header: header)
        recorder = FlightRecorder(prerollS: calibration.thresholds.prerollS, header: header)
        lastPositionM = signals.positionM
        sensor = SensorFaultDetector(calibration: calibration)
        let plan = DetectorPlan(calibration: calibration)
        if plan.isOn(.overspeed) { overspeed = OverspeedDetector(calibration: calibration) }
        if plan.isOn(.overload) { overload = .overload(calibration) }
        if plan.isOn(.overloadPrewarning) { prewarning = .prewarning(calibration) }
        if plan.isOn(.trappedPassenger) { trapped = TrappedPassengerDetector(calibration: calibration) }
        if plan.isOn(.stoppedOutsideDoorZone) {
            stoppedOutside = StoppedOutsideDoorZoneDetector(calibration: calibration)
        }
        if plan.isOn(.doorOpenWhileMoving) { doorOpen = DoorOpenWhileMovingDetector(calibration: calibration) }
        if plan.isOn(.overtravelTop) { overtravelTop = .top(calibration) }
        if plan.isOn(.overtravelBottom) { overtravelBottom = .bottom(calibration) }
        if plan.isOn(.limitSwitchFailure) {
            if equipment == .elevator {
                if calibration.isWired(.topLimit) {
                    topLimit = ElevatorLimitSwitchDetector(calibration: calibration, input: .topLimit)
                }
                if calibration.isWired(.bottomLimit) {
                    bottomLimit = ElevatorLimitSwitchDetector(calibration: calibration, input: .bottomLimit)
                }
            } else {
                craneLimits = CraneLimitSwitchDetector(calibration: calibration)
            }
        }
        if plan.isOn(.powerFailure) { power = .powerFailure() }
        if plan.isOn(.alarmButton) { alarmButton = .alarmButton() }
        if plan.isOn(.highWind) { wind = HighWindDetector(calibration: calibration) }
        inspectionActive = false
    }

    /// Feeds one input event (in time order); transitions up to its time are appended to `events`.
    public mutating func process(_ event: InputEvent, into events: inout [Event]) {
        advance(toNs: event.tNs, inclusive: false, into: &events)
        signals.apply(event)
        recorder.append(event, completed: &completedRecords)
        lastEventNs = event.tNs
        lastInputNs = event.tNs
    }

    /// Notes the input reader's loss totals as they stand after the events up to `tNs` (a real board's GPIO
    /// counters); transitions up to its time are appended to `events`.
    public mutating func noteInputLoss(_ totals: InputLossCounts, atNs tNs: Int64, into events: inout [Event]) {
        advance(toNs: tNs, inclusive: false, into: &events)
        signals.noteInputLoss(totals, atNs: tNs)
        lastInputNs = tNs
    }

    /// Runs the tick grid up to `tNs` with no new input (live agent: time passes without edges).
    public mutating func advance(toNs tNs: Int64, into events: inout [Event]) {
        advance(toNs: tNs, inclusive: true, into: &events)
    }

    /// End of input: evaluates up to the last event and closes open flight records.
    public mutating func finish(into events: inout [Event]) {
        advance(toNs: lastEventNs, inclusive: true, into: &events)
        recorder.finish(into: &completedRecords)
    }

    private mutating func advance(toNs tNs: Int64, inclusive: Bool, into events: inout [Event]) {
        while nextTickNs < tNs || (inclusive && nextTickNs == tNs) {
            tick(atNs: nextTickNs, into: &events)
            nextTickNs += SignalChain.tickNs
        }
    }

    // MARK: deadline

    /// The next tick (trace time) the owner must evaluate promptly if no input comes before it: a confirm or clear
    /// time running out, a debounce settling, a signal still changing with time (the speed window, the rest that
    /// re-references, the occupancy hold, a sliding fault window), or, after an input not evaluated yet, the next
    /// tick. Nil: nothing can be raised or cleared, and no signal changes, before the next input.
    ///
    /// The engine still evaluates every tick of the grid (an `advance` catches up on the ticks in between), so
    /// raise times and results are the same however rarely it is advanced; a live loop that sleeps until the earlier
    /// of this deadline and the board's next input only decides *when* the events reach the outbox, and with this
    /// deadline that is at the tick they are raised at. `replay` never asks.
    public var nextDeadlineNs: Int64? {
        let lastTickNs = nextTickNs - SignalChain.tickNs
        if nextTickNs == 0 || lastInputNs > lastTickNs { return nextTickNs }
        var earliest = signals.nextChangeNs ?? .max
        let detectors: [Int64?] = [
            overspeed?.deadlineNs, overload?.deadlineNs, prewarning?.deadlineNs, trapped?.deadlineNs,
            stoppedOutside?.deadlineNs, doorOpen?.deadlineNs, overtravelTop?.deadlineNs,
            overtravelBottom?.deadlineNs, topLimit?.deadlineNs, bottomLimit?.deadlineNs, craneLimits?.deadlineNs,
            power?.deadlineNs, alarmButton?.deadlineNs, sensor.deadlineNs, wind?.deadlineNs,
        ]
        for case let deadline? in detectors where deadline > lastTickNs { earliest = min(earliest, deadline) }
        guard earliest != .max else { return nil }
        // The first tick of the grid at or after it.
        let tick = SignalChain.tickNs
        let onGrid = earliest <= 0 ? 0 : (earliest + tick - 1) / tick * tick
        return max(nextTickNs, onGrid)
    }

    /// Replay: evaluates the ticks before an input at `tNs` as `process` does, but jumps over those at which nothing
    /// can happen, so that a trace with long quiet stretches (or an event at `t_ns` 9e18) does not cost a tick per
    /// 10 ms. Whenever the engine is idle, the grid jumps to the tick on it at or before the earlier of
    /// `nextDeadlineNs` and the last tick before `tNs`, and that tick is evaluated. Skipped are only ticks the deadline
    /// says change nothing, and none while the car moves (a moving tick adds running time); the speed window still
    /// counts the samples they would have added (`SignalChain.skipIdle`). So the events, flight records and counters
    /// are the same as with every tick evaluated (`IdleTickSkipTests`, and the `trace` fuzz target on every trace it
    /// makes). Then `process` the input.
    public mutating func advanceSkippingIdleTicks(beforeNs tNs: Int64, into events: inout [Event]) {
        let tick = SignalChain.tickNs
        guard tNs > 0 else { return }
        let lastBefore = (tNs - 1) / tick * tick
        while nextTickNs < tNs {
            if nextTickNs < lastBefore, !signals.isMoving {
                let target = min(lastBefore, nextDeadlineNs ?? .max)
                if target > nextTickNs {
                    signals.skipIdle(ticks: (target - nextTickNs) / tick)
                    nextTickNs = target
                }
            }
            self.tick(atNs: nextTickNs, into: &events)
            nextTickNs += tick
        }
    }

    // MARK: tick

    private mutating func tick(atNs now: Int64, into events: inout [Event]) {
        changed.removeAll(keepingCapacity: true)
        signals.tick(atNs: now, changed: &changed)
        updateCounters()
        if equipment == .elevator && calibration.isWired(.inspection) { updateInspection(now, into: &events) }
        let inspection = inspectionActive

        if var detector = overspeed {
            handle(detector.evaluate(signals), .overspeed, "", &events)
            overspeed = detector
        }
        if var detector = overload {
            handle(detector.evaluate(signals), .overload, "", &events)
            overload = detector
        }
        if var detector = prewarning {
            handle(detector.evaluate(signals), .overloadPrewarning, "", &events)
            prewarning = detector
        }
        if var detector = trapped {
            handle(detector.evaluate(signals, inspection: inspection), .trappedPassenger, "", &events)
            trapped = detector
        }
        if var detector = stoppedOutside {
            handle(detector.evaluate(signals, inspection: inspection), .stoppedOutsideDoorZone, "", &events)
            stoppedOutside = detector
        }
        if var detector = doorOpen {
            handle(detector.evaluate(signals, inspection: inspection), .doorOpenWhileMoving, "", &events)
            doorOpen = detector
        }
        if var detector = overtravelTop {
            handle(detector.evaluate(signals), .overtravelTop, "", &events)
            overtravelTop = detector
        }
        if var detector = overtravelBottom {
            handle(detector.evaluate(signals), .overtravelBottom, "", &events)
            overtravelBottom = detector
        }
        if var detector = topLimit {
            handle(detector.evaluate(signals), .limitSwitchFailure, "top_limit", &events)
            topLimit = detector
        }
        if var detector = bottomLimit {
            handle(detector.evaluate(signals), .limitSwitchFailure, "bottom_limit", &events)
            bottomLimit = detector
        }
        if var detector = craneLimits {
            handle(detector.evaluate(signals), .limitSwitchFailure, "", &events)
            craneLimits = detector
        }
        if var detector = power {
            handle(detector.evaluate(signals), .powerFailure, "", &events)
            power = detector
        }
        if var detector = alarmButton {
            handle(detector.evaluate(signals, suppressed: inspection), .alarmButton, "", &events)
            alarmButton = detector
        }
        handle(sensor.evaluate(signals), .sensorFault, "", &events)
        if var detector = wind {
            handle(detector.evaluate(signals), .highWind, "", &events)
            wind = detector
        }
    }

    private mutating func handle(
        _ action: DetectorAction, _ type: FaultType, _ instance: String, _ events: inout [Event]
    ) {
        switch action {
        case .none:
            return
        case .raise(let data):
            let severity = type.severity(for: equipment)
            let event = stamper.stamp(
                type: type, transition: .raised, severity: severity, runNs: signals.nowNs, data: data)
            active.append(
                ActiveFault(
                    type: type, instance: instance, raisedId: event.id, raisedAtNs: signals.nowNs,
                    severity: severity))
            if severity == .alarm { recorder.begin(eventId: event.id, type: type, atNs: signals.nowNs) }
            events.append(event)
        case .clear(let data):
            guard let index = active.firstIndex(where: { $0.type == type && $0.instance == instance }) else { return }
            let raised = active.remove(at: index)
            events.append(
                stamper.stamp(
                    type: type, transition: .cleared, severity: raised.severity, runNs: signals.nowNs, data: data,
                    raisedId: raised.raisedId, durationS: Double(signals.nowNs - raised.raisedAtNs) / 1e9))
        }
    }

    private mutating func updateInspection(_ now: Int64, into events: inout [Event]) {
        let inspection = signals.level(.inspection) == 1
        guard inspection != inspectionActive else { return }
        inspectionActive = inspection
        var data = EventData()
        data.set("inspection", .integer(inspection ? 1 : 0))
        signals.addPosition(to: &data)
        if inspection {
            let event = stamper.stamp(type: .inspection, transition: .raised, severity: .info, runNs: now, data: data)
            inspectionRaised = (event.id, now)
            events.append(event)
        } else if let raised = inspectionRaised {
            events.append(
                stamper.stamp(
                    type: .inspection, transition: .cleared, severity: .info, runNs: now, data: data,
                    raisedId: raised.id, durationS: Double(now - raised.atNs) / 1e9))
            inspectionRaised = nil
        }
    }

    private mutating func updateCounters() {
        let moving = signals.isMoving
        let speed = abs(signals.speedMps)
        if moving {
            counters.runningS += Double(SignalChain.tickNs) / 1e9
            counters.travelledM += abs(signals.positionM - lastPositionM)
        } else if wasMoving {
            counters.trips += 1
        }
        if speed > counters.maxSpeedMps { counters.maxSpeedMps = speed }
        if let load = signals.loadKg, load > counters.maxLoadKg { counters.maxLoadKg = load }
        for input in changed {
            switch input {
            case .doorClosed where signals.level(.doorClosed) == 0: counters.doorCycles += 1
            case .topLimit, .bottomLimit, .upperLimit1, .upperLimit2, .lowerLimit:
                if signals.level(input) == 1 { counters.limitActuations += 1 }
            default: break
            }
        }
        wasMoving = moving
        lastPositionM = signals.positionM
    }
}
