import HoistWatchCore

/// Runs the plant model (elevator or crane) through a scenario and produces the input events a board would see,
/// in time order: encoder edges, switch edges with their bounce, HX711 samples, anemometer pulses.
///
/// Pure and deterministic: the same calibration, scenario and seed always give the same events; nothing reads a
/// clock or a file. It is incremental so a live agent can drive it in real time (`advance(untilNs:emit:)` with the
/// current monotonic time), and `run(emit:)` plays a whole scenario as fast as possible.
///
/// Time advances in 1 ms steps while something moves (encoder edges are interpolated inside a step, so their
/// timestamps are exact to the nanosecond) and jumps from timer to timer while the plant stands still.
public struct PlantSimulation: Sendable {
    private static let movingStepNs: Int64 = 1_000_000
    private static let idleStepNs: Int64 = 1_000_000_000

    /// The calibration the plant is built from (landings, limits, load cell, encoder).
    public let calibration: Calibration
    /// The script being played.
    public let scenario: Scenario
    /// The trace header: equipment, device id, start position and the level of every wired input at t=0.
    public let header: TraceHeader

    private var plant: PlantState
    private var encoder: QuadratureEncoder
    private var loadCell: LoadCell?
    private var anemometer: Anemometer?
    private var elevator: ElevatorModel?
    private var crane: CraneModel?
    private var stepIndex = 0
    private var routine: RoutineGenerator?
    private var edges: [InputEvent] = []
    private let encoderWired: Bool
    private var finished = false

    /// Trace time the plant model has reached (ns): every event up to it has been emitted.
    public var nowNs: Int64 { plant.nowNs }
    /// Whether the scenario is over (its last step done).
    public var isFinished: Bool { finished }
    /// Every event at or before this trace time has been emitted: `untilNs` of the last `advance` while standing
    /// still (nothing can change before the next wake-up), `nowNs` while moving (the last partial millisecond
    /// waits). A live consumer may evaluate up to here.
    public private(set) var emittedThroughNs: Int64 = 0
    /// No event comes before this trace time (a lower bound, as of the last `advance`): while the plant stands still
    /// the earliest of its next step, its queued events, the next load sample and wind pulse; while it moves, where
    /// the model has got to (events follow every millisecond); `Int64.max` once the scenario is over. A live loop
    /// sleeps until then.
    public private(set) var nextInputNs: Int64 = 0

    /// Checks the scenario against the calibration (equipment, landing numbers, heights) and sets the plant up.
    /// Errors name the scenario key; the caller adds the file.
    public init(calibration: Calibration, scenario: Scenario, seed: UInt64) throws(InputError) {
        try Self.check(scenario, against: calibration)
        self.calibration = calibration
        self.scenario = scenario
        encoderWired = calibration.isWired(.encA, .encB)
        var random = SimulationRandom(seed: seed)
        let startM: Double
        if calibration.equipment == .elevator {
            startM = scenario.startHeightM ?? calibration.levelsM[(scenario.startLanding ?? 1) - 1]
        } else {
            startM = scenario.startHeightM ?? calibration.lowerLimitM + 1
        }
        plant = PlantState(calibration: calibration, startM: startM, random: random.split())
        encoder = QuadratureEncoder(countsPerMeter: calibration.countsPerMeter, originM: startM)
        if calibration.wiredAdc.contains(.load) {
            loadCell = LoadCell(calibration: calibration, random: random.split())
        }
        let windRandom = random.split()
        if calibration.equipment == .crane && calibration.wiredInputs.contains(.windPulse) {
            anemometer = Anemometer(mpsPerHz: calibration.windMpsPerHz, random: windRandom)
        }
        switch calibration.equipment {
        case .elevator:
            let model = ElevatorModel(calibration: calibration)
            model.initialize(&plant)
            elevator = model
        case .crane:
            let model = CraneModel(calibration: calibration)
            model.initialize(&plant)
            crane = model
        }
        plant.queue = EventQueue()
        var levels: [InputName: UInt8] = [:]
        for input in calibration.equipment.digitalInputs where calibration.wiredInputs.contains(input) {
            levels[input] = plant.level(input)
        }
        header = TraceHeader(
            equipment: calibration.equipment, deviceId: calibration.deviceId, initialPositionM: startM,
            initialLevels: levels, note: "simulated: scenario \"\(scenario.name)\", seed \(seed)")
    }

    /// Plays the whole scenario, calling `emit` for every event in time order.
    public mutating func run(emit: (InputEvent) -> Void) {
        while advance(untilNs: .max, emit: emit) {}
    }

    /// Emits the events up to `untilNs` (trace time) in time order. While the plant moves, events of the last
    /// partial millisecond wait for the next call. Returns false once the scenario is over (then everything has
    /// been emitted). `runLogic` is idempotent at a given time, so calling this often is harmless.
    @discardableResult
    public mutating func advance(untilNs: Int64, emit: (InputEvent) -> Void) -> Bool {
        while !finished {
            plant.wakeNs = .max
            runLogic()
            if finished { break }
            // Steps do not depend on `untilNs`, so any way of slicing time gives the very same events.
            let stepEndNs =
                plant.isMoving
                ? plant.nowNs + Self.movingStepNs
                : min(plant.wakeNs, plant.nowNs + Self.idleStepNs)
            guard stepEndNs <= untilNs else {
                // Standing still nothing changes before the step's end: what is already scheduled can go out.
                if !plant.isMoving {
                    drain(upToNs: untilNs, emit: emit)
                    emittedThroughNs = max(emittedThroughNs, untilNs)
                    nextInputNs = min(
                        stepEndNs, plant.queue.nextNs, loadCell?.nextNs ?? .max, anemometer?.nextNs ?? .max)
                } else {
                    emittedThroughNs = max(emittedThroughNs, plant.nowNs)
                    nextInputNs = plant.nowNs
                }
                return true
            }
            integrate(toNs: stepEndNs, emit: emit)
        }
        if finished {
            drain(upToNs: plant.nowNs, emit: emit)
            emittedThroughNs = max(emittedThroughNs, plant.nowNs)
            nextInputNs = .max
            return false
        }
        emittedThroughNs = max(emittedThroughNs, plant.nowNs)
        return true
    }

    // MARK: logic

    private mutating func runLogic() {
        update()
        while modelIsIdle {
            if routine != nil {
                if let action = routine!.next(nowNs: plant.nowNs) {
                    begin(action)
                    update()
                    continue
                }
                routine = nil
            }
            guard stepIndex < scenario.steps.count else {
                finished = true
                return
            }
            let step = scenario.steps[stepIndex]
            if let atS = step.atS, PlantState.ns(atS) > plant.nowNs {
                plant.wake(atNs: PlantState.ns(atS))
                return
            }
            stepIndex += 1
            begin(step.action)
            update()
        }
    }

    private var modelIsIdle: Bool { elevator?.isIdle ?? crane!.isIdle }

    private mutating func update() {
        if elevator != nil {
            elevator!.update(&plant, encoder: &encoder)
        } else {
            crane!.update(&plant)
        }
    }

    private mutating func begin(_ action: ScenarioAction) {
        switch action {
        case .service(let hours, let tripsPerHour, let maxPassengers):
            let landing = (elevator?.nearestLanding(plant.positionM) ?? 0) + 1
            routine = .service(
                hours: hours, tripsPerHour: tripsPerHour, maxPassengers: maxPassengers,
                calibration: calibration, currentLanding: landing, startNs: plant.nowNs,
                random: plant.random.split())
        case .shift(let hours, let liftsPerHour, let maxKg):
            routine = .shift(
                hours: hours, liftsPerHour: liftsPerHour, maxKg: maxKg, calibration: calibration,
                startNs: plant.nowNs, random: plant.random.split())
            anemometer?.setWind(meanMps: 6, gustMps: 2, atNs: plant.nowNs)
        case .wind(let mps, let gustMps):
            anemometer?.setWind(meanMps: mps, gustMps: gustMps, atNs: plant.nowNs)
        default:
            if elevator != nil {
                elevator!.begin(action, &plant, encoder: encoder)
            } else {
                crane!.begin(action, &plant, encoder: encoder)
            }
        }
    }

    // MARK: integration

    /// Moves the plant from `plant.nowNs` to `toNs`, emitting every event of that interval in time order.
    private mutating func integrate(toNs: Int64, emit: (InputEvent) -> Void) {
        let fromNs = plant.nowNs
        let state = plant.motion.stateAdvancing(toNs: toNs)
        if state.positionM != plant.positionM {
            plant.positionM = state.positionM
            edges.removeAll(keepingCapacity: true)
            encoder.edges(toM: state.positionM, fromNs: fromNs, toNs: toNs) { edges.append($0) }
            if encoderWired {
                for edge in edges {
                    drain(upToNs: edge.tNs, emit: emit)
                    emit(edge)
                }
            }
        }
        plant.nowNs = toNs
        if let elevator {
            elevator.updatePositionSwitches(&plant)
        } else {
            crane!.updatePositionSwitches(&plant)
        }
        drain(upToNs: toNs, emit: emit)
    }

    /// Emits the queued events, load samples and wind pulses due up to `tNs`, in time order.
    private mutating func drain(upToNs tNs: Int64, emit: (InputEvent) -> Void) {
        while true {
            let queued = plant.queue.nextNs
            let sample = loadCell?.nextNs ?? .max
            let pulse = anemometer?.nextNs ?? .max
            if queued <= sample && queued <= pulse {
                guard queued <= tNs else { return }
                emit(plant.queue.pop())
            } else if sample <= pulse {
                guard sample <= tNs else { return }
                let accel = plant.motion.state(atNs: sample).accelMps2
                emit(
                    loadCell!.sample(
                        loadKg: plant.loadKg(atNs: sample), accelMps2: accel,
                        failed: sample < plant.adcFailedUntilNs, stuck: sample < plant.adcStuckUntilNs))
            } else {
                guard pulse <= tNs else { return }
                if let edges = anemometer!.fire() {
                    emit(edges.rise)
                    plant.queue.push(edges.fall)
                }
            }
        }
    }

    // MARK: checks

    private static func check(_ scenario: Scenario, against calibration: Calibration) throws(InputError) {
        guard scenario.equipment == calibration.equipment else {
            throw InputError(
                .invalidValue, key: "equipment",
                "the scenario's equipment is \(scenario.equipment.rawValue) but the calibration's is \(calibration.equipment.rawValue)"
            )
        }
        let landings = calibration.levelsM.count
        if let landing = scenario.startLanding, landing > landings {
            throw InputError(
                .invalidValue, key: "start_landing", "the calibration has landings 1 to \(landings), not \(landing)")
        }
        let lowM: Double
        let highM: Double
        if calibration.equipment == .elevator {
            lowM = calibration.bottomLandingM - 1
            highM = calibration.topLandingM + 1
        } else {
            lowM = 0
            highM = calibration.upperLimitM + 2
        }
        if let height = scenario.startHeightM, height < lowM || height > highM {
            throw InputError(
                .invalidValue, key: "start_height_m", "must be within \(lowM) to \(highM) m for this calibration")
        }
        for step in scenario.steps {
            switch step.action {
            case .trip(let landing, _):
                guard (1...landings).contains(landing) else {
                    throw InputError(
                        .invalidValue, key: "\(step.key).to_landing",
                        "the calibration has landings 1 to \(landings), not \(landing)")
                }
            case .move(let toM, _):
                guard toM >= lowM && toM <= highM else {
                    throw InputError(
                        .invalidValue, key: "\(step.key).to_m",
                        "must be within \(lowM) to \(highM) m for this calibration")
                }
            case .inject(.limitDead(let input, _)), .inject(.limitStuck(let input, _)):
                guard calibration.equipment.digitalInputs.contains(input) else {
                    throw InputError(
                        .invalidValue, key: "\(step.key).switch",
                        "\"\(input.wireName)\" is not a limit switch of a \(calibration.equipment.rawValue)")
                }
            case .inject(.chatter(let input, _, _)):
                guard calibration.equipment.digitalInputs.contains(input) else {
                    throw InputError(
                        .invalidValue, key: "\(step.key).input",
                        "\"\(input.wireName)\" is not an input of a \(calibration.equipment.rawValue)")
                }
            default:
                break
            }
        }
    }
}
