import HoistWatchCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The simulator's seeded randomness: one `SplitMix64` stream, so a seed always gives the same trace.
///
/// Only stdlib arithmetic and libm's `log`, which are deterministic on every platform we run on.
struct SimulationRandom: Sendable {
    private var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(generator.next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }

    /// Uniform in [low, high).
    mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * unit() }

    /// Uniform integer in `range`.
    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(generator.next() % UInt64(range.count))
    }

    /// Approximately standard normal (Irwin-Hall: the sum of 12 uniforms minus 6), cheap and bounded at ±6.
    mutating func gaussian() -> Double {
        var sum = 0.0
        for _ in 0..<12 { sum += unit() }
        return sum - 6
    }

    /// Exponentially distributed with the given mean (waiting times between random happenings).
    mutating func exponential(mean: Double) -> Double { -mean * log(1 - unit()) }

    /// A fresh independent stream, so adding draws in one part of the model does not shift another's.
    mutating func split() -> SimulationRandom { SimulationRandom(seed: generator.next()) }
}

/// Cube root through libm, for the motion planner.
func cubeRoot(_ value: Double) -> Double { cbrt(value) }
