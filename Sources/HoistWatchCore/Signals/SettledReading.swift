/// Decides when a reading has settled: every sample of the last `windowNs` lies within `tolerance` of each other
/// (and the window is full). The load-calibration wizard waits for it before it takes a value, so the car
/// swaying after people stepped out, or a weight still being put down, is not measured.
public struct SettledReading: Sendable {
    /// How far back the samples that must agree reach, ns.
    public let windowNs: Int64
    /// The most the window's samples may spread (max - min), in the reading's own unit.
    public let tolerance: Double
    private var samples: [(tNs: Int64, value: Double)] = []

    /// An empty window of `windowNs` whose samples must lie within `tolerance` of each other.
    public init(windowNs: Int64, tolerance: Double) {
        self.windowNs = windowNs
        self.tolerance = tolerance
    }

    /// Adds a sample (times ascending) and drops those older than the window.
    public mutating func add(_ value: Double, atNs tNs: Int64) {
        samples.append((tNs, value))
        while let first = samples.first, tNs - first.tNs > windowNs { samples.removeFirst() }
    }

    /// Forgets everything (the car moved, the step changed).
    public mutating func reset() { samples.removeAll() }

    /// The spread (max - min) of the window's samples.
    public var spread: Double {
        guard let low = samples.map(\.value).min(), let high = samples.map(\.value).max() else { return 0 }
        return high - low
    }

    /// The mean of the window when it is full and within tolerance; nil while it is not settled.
    public var settledValue: Double? {
        guard let first = samples.first, let last = samples.last, last.tNs - first.tNs >= windowNs * 9 / 10,
            samples.count >= 3, spread <= tolerance
        else { return nil }
        return samples.map(\.value).reduce(0, +) / Double(samples.count)
    }
}
