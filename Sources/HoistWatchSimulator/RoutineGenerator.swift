import HoistWatchCore

/// Expands a `service` (elevator) or `shift` (crane) step into ordinary actions, one work cycle at a time, so a
/// simulated day costs constant memory. The choices are random but fixed by the scenario's seed.
struct RoutineGenerator: Sendable {
    private enum Kind: Sendable {
        case service(tripsPerHour: Double, maxPassengers: Int, landings: Int)
        case shift(liftsPerHour: Double, maxKg: Double, lowerM: Double, upperM: Double)
    }

    private let kind: Kind
    private let endNs: Int64
    private var random: SimulationRandom
    private var pending: [ScenarioAction] = []
    private var pendingIndex = 0
    private var landing: Int

    /// Random elevator service until `hours` from `startNs`, from the car's current landing (1-based).
    static func service(
        hours: Double, tripsPerHour: Double, maxPassengers: Int, calibration: Calibration,
        currentLanding: Int, startNs: Int64, random: SimulationRandom
    ) -> RoutineGenerator {
        RoutineGenerator(
            kind: .service(
                tripsPerHour: tripsPerHour, maxPassengers: maxPassengers, landings: calibration.levelsM.count),
            endNs: startNs + PlantState.ns(hours * 3600), random: random, landing: currentLanding)
    }

    /// A random crane shift until `hours` from `startNs`, keeping well inside the limits and below 80 % of rated.
    static func shift(
        hours: Double, liftsPerHour: Double, maxKg: Double, calibration: Calibration, startNs: Int64,
        random: SimulationRandom
    ) -> RoutineGenerator {
        let heaviest = maxKg > 0 ? min(maxKg, 0.8 * calibration.ratedKg) : 0.8 * calibration.ratedKg
        return RoutineGenerator(
            kind: .shift(
                liftsPerHour: liftsPerHour, maxKg: heaviest, lowerM: calibration.lowerLimitM,
                upperM: calibration.upperLimitM),
            endNs: startNs + PlantState.ns(hours * 3600), random: random, landing: 0)
    }

    private init(kind: Kind, endNs: Int64, random: SimulationRandom, landing: Int) {
        self.kind = kind
        self.endNs = endNs
        self.random = random
        self.landing = landing
    }

    /// The next action, or nil once the routine's time is up (a cycle already begun is finished first).
    mutating func next(nowNs: Int64) -> ScenarioAction? {
        if pendingIndex >= pending.count {
            guard nowNs < endNs else { return nil }
            pending.removeAll(keepingCapacity: true)
            pendingIndex = 0
            planCycle(nowNs: nowNs)
        }
        defer { pendingIndex += 1 }
        return pending[pendingIndex]
    }

    private mutating func planCycle(nowNs: Int64) {
        switch kind {
        case .service(let tripsPerHour, let maxPassengers, let landings):
            // A call from some landing (the ground floor most often), people get in, ride, get out.
            let from = random.unit() < 0.4 ? 1 : random.int(in: 1...landings)
            var to = random.int(in: 1...landings)
            if to == from { to = from == 1 ? landings : 1 }
            if from != landing { pending.append(.trip(toLanding: from, speedMps: nil)) }
            pending.append(.board(passengers: random.int(in: 1...maxPassengers), kg: 0))
            pending.append(.trip(toLanding: to, speedMps: nil))
            pending.append(.alight(passengers: nil, kg: 0))
            landing = to
            let cycleS = 3600 / tripsPerHour
            pending.append(.wait(seconds: max(3, random.exponential(mean: max(1, cycleS - 30)))))
        case .shift(let liftsPerHour, let maxKg, let lowerM, let upperM):
            // Down to the load, sling it, lift, travel (slewing, not simulated), lower, unsling, hook up again.
            let low = lowerM + 0.6
            let high = upperM - 1.5
            pending.append(.move(toM: random.uniform(low, low + 1), speedMps: nil))
            pending.append(.attach(kg: random.uniform(0.1, 1) * maxKg))
            pending.append(.move(toM: random.uniform(low + 3, high), speedMps: nil))
            pending.append(.wait(seconds: random.uniform(15, 60)))
            pending.append(.move(toM: random.uniform(low, low + 1.5), speedMps: nil))
            pending.append(.detach)
            pending.append(.move(toM: random.uniform(low + 2, high), speedMps: nil))
            let cycleS = 3600 / liftsPerHour
            pending.append(.wait(seconds: max(5, random.exponential(mean: max(1, cycleS - 90)))))
        }
    }
}
