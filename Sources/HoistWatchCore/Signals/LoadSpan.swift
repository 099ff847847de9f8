/// The two-point load calibration of `hoistwatch calibrate load`: the raw reading with the car empty (tare) and
/// with a known test weight in it (span) give `raw_zero` and `raw_per_kg` (calibration.md).
public struct LoadSpan: Sendable, Hashable {
    /// `raw_zero`: the HX711 reading with the car empty, counts.
    public var rawZero: Double
    /// `raw_per_kg`: HX711 counts per kg of load (negative when the cell reads down as load goes up).
    public var rawPerKg: Double

    /// Why two readings cannot be a calibration.
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        /// The sentence the technician reads: why the readings cannot be used, and what to check.
        public var description: String
    }

    /// Fits the line through (0 kg, `emptyRaw`) and (`testKg`, `loadedRaw`). `noise` is the reading's spread:
    /// the weight must move the reading by well over it, or the result would be mostly noise.
    public static func fit(
        emptyRaw: Double, loadedRaw: Double, testKg: Double, noise: Double
    ) throws(Problem) -> LoadSpan {
        guard testKg > 0, testKg.isFinite else {
            throw Problem(description: "the test weight must be more than 0 kg, got \(testKg)")
        }
        let delta = loadedRaw - emptyRaw
        guard abs(delta) >= max(20 * noise, 20) else {
            throw Problem(
                description: "the reading moved by only \(Int(delta.rounded())) counts with \(testKg) kg in the car "
                    + "(noise \(Int(noise.rounded())) counts): is the weight in the car, and the load cell wired?")
        }
        return LoadSpan(rawZero: emptyRaw.rounded(), rawPerKg: (delta / testKg * 10_000).rounded() / 10_000)
    }
}
