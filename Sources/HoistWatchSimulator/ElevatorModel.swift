import HoistWatchCore

/// The simulated elevator: a car with jerk-limited trips between the calibration's landings, automatic doors
/// with bouncing contacts, passengers whose weight the load cell sees and whom the PIR sees (with the short
/// flicker dropouts real PIR sensors have), door-zone magnets, terminal limit switches, and the injected
/// failures of the scenario.
struct ElevatorModel: Sendable {
    private static let ride = MotionProfile.Limits(speedMps: 0, accelMps2: 0.8, jerkMps3: 1.0)
    private static let inspectionSpeedMps = 0.3
    private static let levellingSpeedMps = 0.25
    private static let doorOpeningS = 2.0
    private static let doorClosingS = 2.5
    private static let doorDwellS = 4.0
    private static let personS = 1.2
    private static let freightS = 4.0
    private static let emergencyDecelMps2 = 1.2
    /// Terminal limits actuate this far beyond the terminal landing: above levelling error, below `limit_actuate_m`.
    static let limitActuationM = 0.05
    /// The door-zone magnet is a little shorter than the calibrated zone, so the two never disagree at the edge.
    static let doorZoneFraction = 0.9

    private enum Door: Sendable, Equatable {
        case closed
        case opening(untilNs: Int64)
        case open(sinceNs: Int64)
        case closing(untilNs: Int64)
    }

    private enum Task: Sendable {
        case closeDoors
        case openDoors(arrival: Bool)
        case move(toM: Double, speedMps: Double?)
        case hold(seconds: Double)
        case enter(kg: Double, person: Bool)
        case leave(person: Bool, kg: Double)
        case line(InputName, UInt8)
    }

    let levelsM: [Double]
    private let zoneHalfM: Double
    private let ratedSpeedMps: Double
    private var door: Door = .closed
    private var tasks: [Task] = []
    private var taskIndex = 0
    private var taskStarted = false
    private var taskUntilNs: Int64 = 0

    private var passengersKg: [Double] = []
    private var freightKg = 0.0
    private var inspection = false
    private var doorsStuckAtNextArrival = false
    private var doorsStuck = false
    private var stranded = false

    private var nextOverspeedRatio: Double?
    private var nextStop: (afterM: Double?, armed: Bool)?
    private var nextOvertravel: (beyondM: Double, holdS: Double)?
    private var nextDoorDropS: Double?
    private var nextSlipM: Double?

    private var moveStartM = 0.0
    private var abortAfterM: Double?
    private var doorDrop: (startNs: Int64, endNs: Int64)?
    private var slipping = false
    private var flickerAtNs: Int64?
    private var flickerEndNs: Int64?

    init(calibration: Calibration) {
        levelsM = calibration.levelsM
        zoneHalfM = calibration.doorZoneHalfM
        ratedSpeedMps = calibration.ratedSpeedMps
    }

    /// Sets the lines to the car's state at t=0: doors closed at the landing, nobody inside, mains present.
    func initialize(_ plant: inout PlantState) {
        plant.setLevel(.doorClosed, 1)
        plant.updateMains()
        updatePositionSwitches(&plant)
    }

    /// No step is under way.
    var isIdle: Bool { taskIndex >= tasks.count }

    /// The landing the car is nearest to (0-based).
    func nearestLanding(_ positionM: Double) -> Int {
        var best = 0
        for index in levelsM.indices where abs(levelsM[index] - positionM) < abs(levelsM[best] - positionM) {
            best = index
        }
        return best
    }

    // MARK: steps

    /// Turns a step's action into tasks.
    mutating func begin(_ action: ScenarioAction, _ plant: inout PlantState, encoder: QuadratureEncoder) {
        tasks.removeAll(keepingCapacity: true)
        taskIndex = 0
        taskStarted = false
        switch action {
        case .trip(let landing, let speed):
            let targetM = levelsM[landing - 1]
            if abs(plant.positionM - targetM) < 0.001 && !plant.isMoving {
                tasks = [.openDoors(arrival: false)]
                break
            }
            tasks = [.closeDoors]
            let isTerminal = landing == 1 || landing == levelsM.count
            if let overtravel = nextOvertravel, isTerminal {
                nextOvertravel = nil
                let beyond = landing == 1 ? -overtravel.beyondM : overtravel.beyondM
                tasks += [
                    .move(toM: targetM + beyond, speedMps: speed), .hold(seconds: overtravel.holdS),
                    .move(toM: targetM, speedMps: Self.levellingSpeedMps),
                ]
            } else {
                tasks.append(.move(toM: targetM, speedMps: speed))
            }
            tasks.append(.openDoors(arrival: true))
        case .move(let toM, let speed):
            tasks = [.closeDoors, .move(toM: toM, speedMps: speed)]
        case .board(let passengers, let kg):
            tasks = [.openDoors(arrival: false)]
            for _ in 0..<passengers { tasks.append(.enter(kg: plant.random.uniform(55, 95), person: true)) }
            if kg > 0 { tasks.append(.enter(kg: kg, person: false)) }
        case .alight(let passengers, let kg):
            tasks = [.openDoors(arrival: false)]
            let leaving = min(passengers ?? passengersKg.count, passengersKg.count)
            for _ in 0..<leaving { tasks.append(.leave(person: true, kg: 0)) }
            if kg > 0 || passengers == nil && freightKg > 0 {
                tasks.append(.leave(person: false, kg: passengers == nil && kg == 0 ? freightKg : kg))
            }
        case .doors(let open):
            if open { doorsStuck = false }
            tasks = [open ? .openDoors(arrival: false) : .closeDoors]
        case .wait(let seconds):
            tasks = [.hold(seconds: seconds)]
        case .pressAlarm(let seconds):
            tasks = [.line(.alarmButton, 1), .hold(seconds: seconds), .line(.alarmButton, 0)]
        case .inspection(let on):
            inspection = on
            tasks = [.line(.inspection, on ? 1 : 0)]
        case .inject(let fault):
            inject(fault, &plant, encoder: encoder)
        case .attach, .detach, .wind, .shift, .service:
            break
        }
    }

    private mutating func inject(_ fault: InjectedFault, _ plant: inout PlantState, encoder: QuadratureEncoder) {
        switch fault {
        case .overspeed(let ratio): nextOverspeedRatio = ratio
        case .stopBetweenFloors(let afterM): nextStop = (afterM, true)
        case .doorsStuck: doorsStuckAtNextArrival = true
        case .overtravel(let beyondM, let holdS): nextOvertravel = (beyondM, holdS)
        case .doorContactDrop(let seconds): nextDoorDropS = seconds
        case .encoderSlip(let slipM): nextSlipM = slipM
        case .limitDead(let input, let seconds): plant.killLimit(input, seconds: seconds)
        case .limitStuck(let input, let seconds): plant.stickLimit(input, seconds: seconds)
        case .limitNotCutting: break
        case .chatter(let input, let seconds, let periodMs): plant.chatter(input, seconds: seconds, periodMs: periodMs)
        case .adcFailed(let seconds): plant.adcFailedUntilNs = plant.nowNs + PlantState.ns(seconds)
        case .adcStuck(let seconds): plant.adcStuckUntilNs = plant.nowNs + PlantState.ns(seconds)
        case .encoderGlitches(let seconds, let perSecond):
            plant.encoderGlitches(seconds: seconds, perSecond: perSecond, encoderCount: encoder.count)
        case .mainsLoss(let seconds): plant.mainsLossUntilNs = plant.nowNs + PlantState.ns(seconds)
        }
        updatePositionSwitches(&plant)
    }

    // MARK: update

    /// Runs the car's logic at `plant.nowNs`: doors, the current tasks, the PIR, the mains.
    mutating func update(_ plant: inout PlantState, encoder: inout QuadratureEncoder) {
        plant.updateMains()
        updateDoors(&plant)
        while taskIndex < tasks.count {
            guard runTask(tasks[taskIndex], &plant, encoder: &encoder) else { break }
            taskIndex += 1
            taskStarted = false
        }
        autoCloseDoors(&plant)
        updateMoveFaults(&plant)
        updateOccupancy(&plant)
        updatePositionSwitches(&plant)
    }

    /// Runs one task; true when it is done.
    private mutating func runTask(_ task: Task, _ plant: inout PlantState, encoder: inout QuadratureEncoder) -> Bool {
        switch task {
        case .closeDoors:
            switch door {
            case .closed: return true
            case .open, .opening: startClosing(&plant)
            case .closing: break
            }
            return false
        case .openDoors(let arrival):
            if arrival && doorsStuckAtNextArrival {
                doorsStuckAtNextArrival = false
                doorsStuck = true
            }
            if arrival && (stranded || doorsStuck) { return true }
            switch door {
            case .open: return true
            case .closed, .closing: startOpening(&plant)
            case .opening: break
            }
            return false
        case .move(let toM, let speed):
            if !taskStarted {
                if door != .closed { return false }
                startMove(toM: toM, speedMps: speed, &plant, encoder: &encoder)
                taskStarted = true
            }
            guard !plant.isMoving else { return false }
            if slipping {
                encoder.endSlip(atM: plant.positionM)
                slipping = false
            }
            abortAfterM = nil
            return true
        case .hold(let seconds):
            return wait(seconds, &plant)
        case .enter(let kg, let person):
            guard case .open = door else {
                if door == .closed { startOpening(&plant) }
                return false
            }
            guard wait(person ? Self.personS : Self.freightS, &plant) else { return false }
            if person { passengersKg.append(kg) } else { freightKg += kg }
            loadChanged(&plant)
            return true
        case .leave(let person, let kg):
            guard case .open = door else {
                if door == .closed { startOpening(&plant) }
                return false
            }
            guard wait(person ? Self.personS : Self.freightS, &plant) else { return false }
            if person { _ = passengersKg.popLast() } else { freightKg = max(0, freightKg - kg) }
            loadChanged(&plant)
            return true
        case .line(let input, let level):
            plant.setLevel(input, level, bounce: true)
            return true
        }
    }

    /// A timed task: true once `seconds` have passed since it started.
    private mutating func wait(_ seconds: Double, _ plant: inout PlantState) -> Bool {
        plant.timedTask(seconds, started: &taskStarted, untilNs: &taskUntilNs)
    }

    private mutating func startMove(
        toM: Double, speedMps: Double?, _ plant: inout PlantState,
        encoder: inout QuadratureEncoder
    ) {
        var limits = Self.ride
        limits.speedMps = speedMps ?? (inspection ? Self.inspectionSpeedMps : ratedSpeedMps)
        if let ratio = nextOverspeedRatio {
            nextOverspeedRatio = nil
            limits.speedMps = ratedSpeedMps * ratio
            limits.accelMps2 = 1.0
        }
        stranded = false
        moveStartM = plant.positionM
        let distance = abs(toM - plant.positionM)
        plant.motion = .move(from: plant.positionM, to: toM, startNs: plant.nowNs, limits: limits)
        if let stop = nextStop {
            nextStop = nil
            abortAfterM = min(stop.afterM ?? distance / 2, distance)
        }
        if let seconds = nextDoorDropS {
            nextDoorDropS = nil
            let middle = (plant.nowNs + plant.motion.endNs) / 2
            let halfNs = PlantState.ns(seconds) / 2
            doorDrop = (middle - halfNs, middle + halfNs)
        }
        if let slipM = nextSlipM, distance > 0 {
            nextSlipM = nil
            encoder.beginSlip(fraction: slipM / distance, fromM: plant.positionM)
            slipping = true
        }
    }

    /// Emergency stop between floors, door contact dropping while running.
    private mutating func updateMoveFaults(_ plant: inout PlantState) {
        if let afterM = abortAfterM, plant.isMoving, abs(plant.positionM - moveStartM) >= afterM {
            abortAfterM = nil
            plant.motion = plant.motion.emergencyStop(atNs: plant.nowNs, decelMps2: Self.emergencyDecelMps2)
            stranded = true
        }
        if let drop = doorDrop {
            if plant.nowNs >= drop.endNs {
                if door == .closed { plant.setLevel(.doorClosed, 1, bounce: true) }
                doorDrop = nil
            } else if plant.nowNs >= drop.startNs {
                plant.setLevel(.doorClosed, 0, bounce: true)
                plant.wake(atNs: drop.endNs)
            } else {
                plant.wake(atNs: drop.startNs)
            }
        }
    }

    // MARK: doors

    private mutating func startOpening(_ plant: inout PlantState) {
        door = .opening(untilNs: plant.nowNs + PlantState.ns(Self.doorOpeningS))
        plant.setLevel(.doorClosed, 0, bounce: true)
        endFlicker()
    }

    private mutating func startClosing(_ plant: inout PlantState) {
        door = .closing(untilNs: plant.nowNs + PlantState.ns(Self.doorClosingS))
    }

    private mutating func updateDoors(_ plant: inout PlantState) {
        switch door {
        case .opening(let until):
            if plant.nowNs >= until { door = .open(sinceNs: plant.nowNs) } else { plant.wake(atNs: until) }
        case .closing(let until):
            if plant.nowNs >= until {
                door = .closed
                plant.setLevel(.doorClosed, 1, bounce: true)
            } else {
                plant.wake(atNs: until)
            }
        case .open, .closed:
            break
        }
    }

    /// Doors close by themselves after the dwell time, unless someone is getting in or out.
    private mutating func autoCloseDoors(_ plant: inout PlantState) {
        guard case .open(let since) = door else { return }
        if taskIndex < tasks.count {
            switch tasks[taskIndex] {
            case .enter, .leave: return
            default: break
            }
        }
        let closeAt = since + PlantState.ns(Self.doorDwellS)
        if plant.nowNs >= closeAt { startClosing(&plant) } else { plant.wake(atNs: closeAt) }
    }

    // MARK: people and load

    private mutating func loadChanged(_ plant: inout PlantState) {
        plant.setLoad(passengersKg.reduce(0, +) + freightKg)
        if case .open = door { door = .open(sinceNs: plant.nowNs) }
    }

    /// The PIR: on while anyone is inside, with short dropouts now and then while the doors are closed.
    private mutating func updateOccupancy(_ plant: inout PlantState) {
        let someone = !passengersKg.isEmpty
        if someone && door == .closed {
            if let end = flickerEndNs {
                if plant.nowNs >= end {
                    flickerEndNs = nil
                    flickerAtNs = nil
                } else {
                    plant.wake(atNs: end)
                }
            }
            if flickerEndNs == nil {
                let at = flickerAtNs ?? plant.nowNs + PlantState.ns(plant.random.exponential(mean: 25) + 1)
                flickerAtNs = at
                if plant.nowNs >= at {
                    flickerEndNs = plant.nowNs + PlantState.ns(plant.random.uniform(0.5, 3.5))
                    plant.wake(atNs: flickerEndNs!)
                } else {
                    plant.wake(atNs: at)
                }
            }
        } else {
            endFlicker()
        }
        plant.setLevel(.occupancy, someone && flickerEndNs == nil ? 1 : 0)
    }

    private mutating func endFlicker() {
        flickerAtNs = nil
        flickerEndNs = nil
    }

    // MARK: position switches

    /// Door zone magnets and terminal limit switches from the car's height (and the injected switch faults).
    func updatePositionSwitches(_ plant: inout PlantState) {
        let position = plant.positionM
        let landing = levelsM[nearestLanding(position)]
        plant.setLevel(.doorZone, abs(position - landing) <= zoneHalfM * Self.doorZoneFraction ? 1 : 0)
        let top = plant.limitReading(.topLimit, actuated: position > levelsM.last! + Self.limitActuationM)
        plant.setLevel(.topLimit, top)
        let bottom = plant.limitReading(.bottomLimit, actuated: position < levelsM[0] - Self.limitActuationM)
        plant.setLevel(.bottomLimit, bottom)
    }
}
