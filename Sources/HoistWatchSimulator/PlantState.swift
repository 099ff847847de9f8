import HoistWatchCore

/// What the elevator and crane models share: the clock, the motion, the level of every line, the load, the
/// sensor faults in force, and the queue of events scheduled for later.
struct PlantState: Sendable {
    static let millisecondNs: Int64 = 1_000_000
    static let secondNs: Int64 = 1_000_000_000

    let calibration: Calibration
    var nowNs: Int64 = 0
    /// The earliest time the models asked to be looked at again (timers); `Int64.max` when nothing is due.
    var wakeNs: Int64 = .max
    var queue = EventQueue()
    var motion: MotionProfile
    /// Car floor height or hook height at `nowNs`.
    var positionM: Double
    /// What each line reads now (after any bounce has settled), by `InputName.rawValue`.
    private(set) var levels: [UInt8]
    private let wired: [Bool]
    var random: SimulationRandom

    /// Load the car or hook carries now, kg; a crane's rope takes a new load over a ramp.
    private var loadFromKg = 0.0
    private var loadToKg = 0.0
    private var loadRampStartNs: Int64 = 0
    private var loadRampEndNs: Int64 = 0

    var adcFailedUntilNs: Int64 = 0
    var adcStuckUntilNs: Int64 = 0
    var mainsLossUntilNs: Int64 = 0
    private var limitDeadUntilNs: [Int64]
    private var limitStuckUntilNs: [Int64]

    init(calibration: Calibration, startM: Double, random: SimulationRandom) {
        self.calibration = calibration
        motion = .rest(at: startM, fromNs: 0)
        positionM = startM
        levels = Array(repeating: 0, count: InputName.allCases.count)
        wired = InputName.allCases.map { calibration.wiredInputs.contains($0) }
        limitDeadUntilNs = Array(repeating: 0, count: InputName.allCases.count)
        limitStuckUntilNs = Array(repeating: 0, count: InputName.allCases.count)
        self.random = random
    }

    // MARK: time

    /// Asks to be looked at again at `tNs` (ignored when not in the future).
    mutating func wake(atNs tNs: Int64) {
        if tNs > nowNs && tNs < wakeNs { wakeNs = tNs }
    }

    /// Whether a movement is under way (the simulation then steps every millisecond).
    var isMoving: Bool { nowNs < motion.endNs }

    /// Seconds to nanoseconds.
    static func ns(_ seconds: Double) -> Int64 { Int64((seconds * 1e9).rounded()) }

    // MARK: lines

    /// The level a line reads now.
    func level(_ input: InputName) -> UInt8 { levels[Int(input.rawValue)] }

    /// Changes a line's level now; `bounce` adds the few milliseconds of contact bounce of a mechanical contact.
    mutating func setLevel(_ input: InputName, _ level: UInt8, bounce: Bool = false) {
        let slot = Int(input.rawValue)
        guard levels[slot] != level else { return }
        levels[slot] = level
        guard wired[slot] else { return }
        queue.push(.level(input, level, atNs: nowNs))
        guard bounce else { return }
        let firstNs = nowNs + Int64(random.uniform(0.4, 1.2) * 1e6)
        let secondNs = firstNs + Int64(random.uniform(0.5, 1.5) * 1e6)
        queue.push(.level(input, 1 - level, atNs: firstNs))
        queue.push(.level(input, level, atNs: secondNs))
    }

    /// Schedules raw toggles of a switch (chatter): an even number, so the line ends where it was.
    mutating func chatter(_ input: InputName, seconds: Double, periodMs: Double) {
        guard wired[Int(input.rawValue)] else { return }
        let periodNs = Int64(periodMs * 1e6)
        let toggles = max(2, Int(seconds * 1000 / periodMs) / 2 * 2)
        var level = self.level(input)
        for index in 0..<toggles {
            level = 1 - level
            queue.push(.level(input, level, atNs: nowNs + PlantState.millisecondNs + Int64(index) * periodNs))
        }
    }

    /// Schedules encoder glitches: both lines flip at the same instant and flip back 1 microsecond later.
    mutating func encoderGlitches(seconds: Double, perSecond: Double, encoderCount: Int64) {
        guard wired[Int(InputName.encA.rawValue)] else { return }
        let levels = QuadratureEncoder.levels(count: encoderCount)
        let gapNs = 1e9 / perSecond
        let glitches = Int(seconds * perSecond)
        for index in 0..<glitches {
            let tNs = nowNs + PlantState.millisecondNs + Int64(Double(index) * gapNs * random.uniform(0.9, 1.1))
            queue.push(.level(.encA, 1 - levels.a, atNs: tNs))
            queue.push(.level(.encB, 1 - levels.b, atNs: tNs))
            queue.push(.level(.encA, levels.a, atNs: tNs + 1000))
            queue.push(.level(.encB, levels.b, atNs: tNs + 1000))
        }
    }

    // MARK: limit switch faults

    mutating func killLimit(_ input: InputName, seconds: Double?) {
        limitDeadUntilNs[Int(input.rawValue)] = seconds.map { nowNs + Self.ns($0) } ?? .max
    }

    mutating func stickLimit(_ input: InputName, seconds: Double?) {
        limitStuckUntilNs[Int(input.rawValue)] = seconds.map { nowNs + Self.ns($0) } ?? .max
    }

    /// What a limit switch reads, given whether the car or hook actuates it.
    mutating func limitReading(_ input: InputName, actuated: Bool) -> UInt8 {
        let slot = Int(input.rawValue)
        if nowNs < limitStuckUntilNs[slot] {
            wake(atNs: limitStuckUntilNs[slot])
            return 1
        }
        if nowNs < limitDeadUntilNs[slot] {
            wake(atNs: limitDeadUntilNs[slot])
            return 0
        }
        return actuated ? 1 : 0
    }

    // MARK: load

    /// The load now and from now on changes to `kg` over `seconds` (0 = at once).
    mutating func setLoad(_ kg: Double, overSeconds seconds: Double = 0) {
        loadFromKg = loadKg(atNs: nowNs)
        loadToKg = kg
        loadRampStartNs = nowNs
        loadRampEndNs = nowNs + Self.ns(seconds)
    }

    /// Load at `tNs` (kg), following the current ramp.
    func loadKg(atNs tNs: Int64) -> Double {
        guard tNs < loadRampEndNs else { return loadToKg }
        let done = Double(tNs - loadRampStartNs) / Double(loadRampEndNs - loadRampStartNs)
        return loadFromKg + (loadToKg - loadFromKg) * max(0, done)
    }

    /// The load the plant will carry once the current ramp is over.
    var settledLoadKg: Double { loadToKg }

    // MARK: power

    /// Keeps `mains_ok` as the mains-loss fault says.
    mutating func updateMains() {
        guard calibration.wiredInputs.contains(.mainsOk) else { return }
        if nowNs < mainsLossUntilNs {
            setLevel(.mainsOk, 0)
            wake(atNs: mainsLossUntilNs)
        } else {
            setLevel(.mainsOk, 1)
        }
    }
}

extension PlantState {
    /// A timed step of a plant's script (both models' waits, holds and load changes): at its first turn it starts
    /// (`started` set, its end in `untilNs`, `onStart` run); it is done once `seconds` of plant time have passed, and
    /// until then the plant wakes at its end.
    mutating func timedTask(_ seconds: Double, started: inout Bool, untilNs: inout Int64,
                            onStart: (inout PlantState) -> Void = { _ in }) -> Bool {
        if !started {
            started = true
            untilNs = nowNs + Self.ns(seconds)
            onStart(&self)
        }
        guard nowNs >= untilNs else {
            wake(atNs: untilNs)
            return false
        }
        return true
    }
}
