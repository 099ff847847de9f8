import HoistWatchCore

/// The crane's cup anemometer: one short pulse on `wind_pulse` per revolution, at wind / `mps_per_hz` pulses per
/// second. The wind wanders around its mean with gusts (an Ornstein-Uhlenbeck process, updated every 250 ms).
struct Anemometer: Sendable {
    private static let updateNs: Int64 = 250_000_000
    private static let pulseHighNs: Int64 = 4_000_000
    private static let reversionPerS = 0.2

    private let mpsPerHz: Double
    private var meanMps = 0.0
    private var gustMps = 0.0
    private(set) var windMps = 0.0
    private var updatedNs: Int64 = 0
    /// When the next pulse (or, in calm air, the next look at the wind) is due.
    private(set) var nextNs: Int64 = 0
    private var random: SimulationRandom

    init(mpsPerHz: Double, random: SimulationRandom) {
        self.mpsPerHz = mpsPerHz
        self.random = random
    }

    /// A new mean wind from `atNs` on; the wind drifts towards it over a few seconds.
    mutating func setWind(meanMps: Double, gustMps: Double, atNs: Int64) {
        self.meanMps = meanMps
        self.gustMps = gustMps
        nextNs = min(nextNs, atNs)
    }

    /// Handles the moment `nextNs`: returns the pulse's rising and falling edges, or nil in calm air.
    mutating func fire() -> (rise: InputEvent, fall: InputEvent)? {
        let tNs = nextNs
        while updatedNs + Self.updateNs <= tNs {
            updatedNs += Self.updateNs
            let dt = Double(Self.updateNs) / 1e9
            windMps +=
                Self.reversionPerS * (meanMps - windMps) * dt
                + gustMps * (2 * Self.reversionPerS * dt).squareRoot() * random.gaussian()
            windMps = max(0, windMps)
        }
        let hz = min(windMps / mpsPerHz, 100)
        guard hz >= 0.5 else {
            nextNs = tNs + 1_000_000_000
            return nil
        }
        let periodNs = Int64(1e9 / hz * random.uniform(0.98, 1.02))
        nextNs = tNs + max(periodNs, 2 * Self.pulseHighNs)
        return (.level(.windPulse, 1, atNs: tNs), .level(.windPulse, 0, atNs: tNs + Self.pulseHighNs))
    }
}
