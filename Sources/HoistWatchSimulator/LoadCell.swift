import HoistWatchCore

/// The HX711 load-cell amplifier: a sample every 100 ms (10 samples per second) of
/// raw = raw_zero + raw_per_kg x load x (1 + a/g) + noise, where a is the car's or hook's upward acceleration.
/// It can fail (`raw: null`) or stick at its last value when a fault is injected.
struct LoadCell: Sendable {
    static let periodNs: Int64 = 100_000_000
    private static let gravityMps2 = 9.81
    private static let noiseCounts = 3.0

    private let rawZero: Double
    private let rawPerKg: Double
    /// When the next sample is taken.
    private(set) var nextNs: Int64
    private var lastRaw: Int32 = 0
    private var random: SimulationRandom

    init(calibration: Calibration, random: SimulationRandom) {
        rawZero = calibration.loadRawZero
        rawPerKg = calibration.loadRawPerKg
        self.random = random
        nextNs = 37_000_000
    }

    /// Takes the sample due at `nextNs`.
    mutating func sample(loadKg: Double, accelMps2: Double, failed: Bool, stuck: Bool) -> InputEvent {
        let tNs = nextNs
        nextNs += Self.periodNs
        if failed { return .sample(.load, raw: nil, atNs: tNs) }
        if !stuck {
            let value =
                rawZero + rawPerKg * loadKg * (1 + accelMps2 / Self.gravityMps2) + Self.noiseCounts * random.gaussian()
            lastRaw = Int32(clamping: Int64(value.rounded()))
            lastRaw = min(max(lastRaw, -8_388_608), 8_388_607)
        }
        return .sample(.load, raw: lastRaw, atNs: tNs)
    }
}
