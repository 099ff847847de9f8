/// Wind speed from anemometer pulses: rising edges per second x `mps_per_hz`, averaged over 10 s and 60 s.
///
/// Pulses are counted in 100 ms buckets over the last 60 s, with running sums, so each average is O(1).
public struct WindMeter: Sendable {
    private static let bucketNs: Int64 = 100_000_000
    private static let buckets = 600
    private static let shortBuckets = 100
    private var counts = [Int32](repeating: 0, count: WindMeter.buckets)
    private var currentBucket: Int64 = 0
    private var sum60: Int64 = 0
    private var sum10: Int64 = 0
    private let mpsPerHz: Double

    /// A meter for the calibration's `mps_per_hz` (m/s per pulse per second), with no pulses yet.
    public init(mpsPerHz: Double) { self.mpsPerHz = mpsPerHz }

    /// Moves the window to `nowNs`, forgetting buckets that fell out of it.
    public mutating func advance(toNs nowNs: Int64) {
        let target = nowNs / Self.bucketNs
        guard target > currentBucket else { return }
        if target - currentBucket >= Int64(Self.buckets) {
            for index in counts.indices { counts[index] = 0 }
            sum60 = 0
            sum10 = 0
            currentBucket = target
            return
        }
        while currentBucket < target {
            currentBucket += 1
            let slot = Int(currentBucket % Int64(Self.buckets))
            sum60 -= Int64(counts[slot])
            counts[slot] = 0
            let leavingShort =
                Int((currentBucket - Int64(Self.shortBuckets)) % Int64(Self.buckets) + Int64(Self.buckets))
                % Self.buckets
            sum10 -= Int64(counts[leavingShort])
        }
    }

    /// When an average next changes with no new pulse: the earliest time a counted bucket leaves the 10 s or the 60 s
    /// window (trace ns); nil when no pulse is in the last 60 s.
    public var nextChangeNs: Int64? {
        guard sum60 > 0 else { return nil }
        var earliest = Int64.max
        for age in 0..<Self.buckets {
            let bucket = currentBucket - Int64(age)
            guard bucket >= 0 else { break }
            guard counts[Int(bucket % Int64(Self.buckets))] != 0 else { continue }
            if age < Self.shortBuckets { earliest = min(earliest, (bucket + Int64(Self.shortBuckets)) * Self.bucketNs) }
            earliest = min(earliest, (bucket + Int64(Self.buckets)) * Self.bucketNs)
        }
        return earliest == .max ? nil : earliest
    }

    /// One rising edge of `wind_pulse`.
    public mutating func pulse(atNs tNs: Int64) {
        advance(toNs: tNs)
        counts[Int(currentBucket % Int64(Self.buckets))] += 1
        sum60 += 1
        sum10 += 1
    }

    /// Wind averaged over the last 10 s, m/s.
    public var average10sMps: Double { Double(sum10) / 10 * mpsPerHz }
    /// Wind averaged over the last 60 s, m/s.
    public var average60sMps: Double { Double(sum60) / 60 * mpsPerHz }
}
