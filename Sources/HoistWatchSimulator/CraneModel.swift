import HoistWatchCore

/// The simulated crane hoist: hook height driven by the operator's up/down commands with a jerk-limited drive,
/// the two upper limit switches (the double limit) that cut hoisting up, the lower limit that cuts lowering,
/// loads slung on the hook, and the injected failures of the scenario.
struct CraneModel: Sendable {
    private static let drive = MotionProfile.Limits(speedMps: 0, accelMps2: 0.5, jerkMps3: 1.5)
    private static let brakeDecelMps2 = 2.5
    private static let brakeReleaseS = 0.4
    private static let commandReleaseS = 0.3
    /// The second upper limit sits a few millimetres above the first, as real pairs do.
    static let secondLimitOffsetM = 0.005

    private enum Task: Sendable {
        case command(up: Bool?)
        case move(toM: Double, speedMps: Double?)
        case hold(seconds: Double)
        case load(kg: Double, seconds: Double)
    }

    private let upperLimitM: Double
    private let lowerLimitM: Double
    private let ratedSpeedMps: Double
    private var tasks: [Task] = []
    private var taskIndex = 0
    private var taskStarted = false
    private var taskUntilNs: Int64 = 0
    private var movingUp: Bool?
    private var nextOverspeedRatio: Double?
    private var limitsCut = true

    init(calibration: Calibration) {
        upperLimitM = calibration.upperLimitM
        lowerLimitM = calibration.lowerLimitM
        ratedSpeedMps = calibration.ratedSpeedMps
    }

    /// Sets the lines to the crane's state at t=0: no command, mains present, limits as the hook height says.
    func initialize(_ plant: inout PlantState) {
        plant.updateMains()
        updatePositionSwitches(&plant)
    }

    /// No step is under way.
    var isIdle: Bool { taskIndex >= tasks.count }

    /// Turns a step's action into tasks.
    mutating func begin(_ action: ScenarioAction, _ plant: inout PlantState, encoder: QuadratureEncoder) {
        tasks.removeAll(keepingCapacity: true)
        taskIndex = 0
        taskStarted = false
        switch action {
        case .move(let toM, let speed):
            let up = toM > plant.positionM
            tasks = [
                .command(up: up), .hold(seconds: Self.brakeReleaseS), .move(toM: toM, speedMps: speed),
                .hold(seconds: Self.commandReleaseS), .command(up: nil),
            ]
        case .attach(let kg):
            tasks = [.load(kg: plant.settledLoadKg + kg, seconds: 2)]
        case .detach:
            tasks = [.load(kg: 0, seconds: 1.5)]
        case .wait(let seconds):
            tasks = [.hold(seconds: seconds)]
        case .inject(let fault):
            switch fault {
            case .overspeed(let ratio): nextOverspeedRatio = ratio
            case .limitDead(let input, let seconds): plant.killLimit(input, seconds: seconds)
            case .limitStuck(let input, let seconds): plant.stickLimit(input, seconds: seconds)
            case .limitNotCutting: limitsCut = false
            case .chatter(let input, let seconds, let periodMs):
                plant.chatter(input, seconds: seconds, periodMs: periodMs)
            case .adcFailed(let seconds): plant.adcFailedUntilNs = plant.nowNs + PlantState.ns(seconds)
            case .adcStuck(let seconds): plant.adcStuckUntilNs = plant.nowNs + PlantState.ns(seconds)
            case .encoderGlitches(let seconds, let perSecond):
                plant.encoderGlitches(seconds: seconds, perSecond: perSecond, encoderCount: encoder.count)
            case .mainsLoss(let seconds): plant.mainsLossUntilNs = plant.nowNs + PlantState.ns(seconds)
            case .stopBetweenFloors, .doorsStuck, .overtravel, .doorContactDrop, .encoderSlip: break
            }
            updatePositionSwitches(&plant)
        case .trip, .board, .alight, .doors, .pressAlarm, .inspection, .service, .shift, .wind:
            break
        }
    }

    /// Runs the hoist's logic at `plant.nowNs`.
    mutating func update(_ plant: inout PlantState) {
        plant.updateMains()
        while taskIndex < tasks.count {
            guard runTask(tasks[taskIndex], &plant) else { break }
            taskIndex += 1
            taskStarted = false
        }
        updatePositionSwitches(&plant)
        cutAtLimits(&plant)
    }

    private mutating func runTask(_ task: Task, _ plant: inout PlantState) -> Bool {
        switch task {
        case .command(let up):
            plant.setLevel(.hoistUpCmd, up == true ? 1 : 0, bounce: true)
            plant.setLevel(.hoistDownCmd, up == false ? 1 : 0, bounce: true)
            return true
        case .move(let toM, let speed):
            if !taskStarted {
                taskStarted = true
                let up = toM > plant.positionM
                // A healthy hoist will not start towards a limit that is already actuated.
                let blocked = up ? limitsCut && upperActuated(plant) : plant.level(.lowerLimit) == 1
                if !blocked {
                    var limits = Self.drive
                    limits.speedMps = speed ?? ratedSpeedMps
                    if let ratio = nextOverspeedRatio {
                        nextOverspeedRatio = nil
                        limits.speedMps = ratedSpeedMps * ratio
                        limits.accelMps2 = 0.8
                    }
                    plant.motion = .move(from: plant.positionM, to: toM, startNs: plant.nowNs, limits: limits)
                    movingUp = up
                }
            }
            guard !plant.isMoving else { return false }
            movingUp = nil
            return true
        case .hold(let seconds):
            return plant.timedTask(seconds, started: &taskStarted, untilNs: &taskUntilNs)
        case .load(let kg, let seconds):
            return plant.timedTask(seconds, started: &taskStarted, untilNs: &taskUntilNs) {
                $0.setLoad(kg, overSeconds: seconds)
            }
        }
    }

    private func upperActuated(_ plant: PlantState) -> Bool {
        plant.level(.upperLimit1) == 1 || plant.level(.upperLimit2) == 1
    }

    /// A working hoist brakes as soon as a limit in its direction of travel actuates.
    private mutating func cutAtLimits(_ plant: inout PlantState) {
        guard let up = movingUp, plant.isMoving else { return }
        let cut = up ? limitsCut && upperActuated(plant) : plant.level(.lowerLimit) == 1
        guard cut else { return }
        plant.motion = plant.motion.emergencyStop(atNs: plant.nowNs, decelMps2: Self.brakeDecelMps2)
        movingUp = nil
    }

    /// The limit switches from the hook height (and the injected switch faults).
    func updatePositionSwitches(_ plant: inout PlantState) {
        let height = plant.positionM
        plant.setLevel(.upperLimit1, plant.limitReading(.upperLimit1, actuated: height >= upperLimitM))
        plant.setLevel(
            .upperLimit2, plant.limitReading(.upperLimit2, actuated: height >= upperLimitM + Self.secondLimitOffsetM))
        plant.setLevel(.lowerLimit, plant.limitReading(.lowerLimit, actuated: height <= lowerLimitM))
    }
}
