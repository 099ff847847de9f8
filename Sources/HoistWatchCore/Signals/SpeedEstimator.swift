/// Speed as displacement over a sliding window, sampled on the engine's tick grid (faults.md `speed_window_ms`).
public struct SpeedEstimator: Sendable {
    private var positions: [Double]
    private var next = 0
    private var stored = 0
    private let tickS: Double

    /// A window of `windowTicks` ticks of `tickNs` each.
    public init(windowTicks: Int, tickNs: Int64) {
        positions = Array(repeating: 0, count: max(1, windowTicks))
        tickS = Double(tickNs) / 1e9
    }

    /// Adds the position at this tick and returns the speed over the window (m/s, signed).
    public mutating func sample(positionM: Double) -> Double {
        let speed: Double
        if stored == 0 {
            speed = 0
        } else {
            let oldestIndex = stored < positions.count ? 0 : next
            speed = (positionM - positions[oldestIndex]) / (Double(stored) * tickS)
        }
        positions[next] = positionM
        next = (next + 1) % positions.count
        if stored < positions.count { stored += 1 }
        return speed
    }

    /// Whether the next samples give `speed` again while the position stays `positionM`: speed 0 and every position
    /// in the window equal to it. Otherwise the estimate changes with time alone as the window slides.
    public func isSteady(positionM: Double, speed: Double) -> Bool {
        guard speed == 0 else { return false }
        for index in 0..<stored where positions[index] != positionM { return false }
        return true
    }

    /// What `ticks` samples at `positionM` would leave, without their speeds (0, when `isSteady`): replay's jump over
    /// idle ticks. The window counts its samples until it is full, so the skipped ones must still be counted.
    public mutating func hold(positionM: Double, ticks: Int64) {
        for _ in 0..<Int(min(ticks, Int64(positions.count))) {
            positions[next] = positionM
            next = (next + 1) % positions.count
            if stored < positions.count { stored += 1 }
        }
    }

    /// Shifts every remembered position (after re-referencing), so the jump is not seen as speed.
    public mutating func shift(byM delta: Double) {
        for index in positions.indices { positions[index] += delta }
    }
}
