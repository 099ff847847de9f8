/// x4 quadrature decoding of `enc_a`/`enc_b` with direction and error counting (A leads B = up).
///
/// An impossible transition, both lines changing at once (same timestamp), or an edge that does not change
/// the line's level (the other edge was lost), counts as an encoder error and moves no count.
public struct QuadratureDecoder: Sendable {
    /// Signed count, up = +.
    public private(set) var count: Int64 = 0
    /// Encoder errors since start.
    public private(set) var errorCount: Int64 = 0
    private var levelA: UInt8
    private var levelB: UInt8
    private var lastEdgeNs: Int64 = -1
    private var lastEdgeWasA = false
    private var lastDelta: Int64 = 0

    /// A decoder at count 0 with the lines at `initialA` and `initialB` (the trace header's levels).
    public init(initialA: UInt8, initialB: UInt8) {
        levelA = initialA
        levelB = initialB
    }

    /// One edge of A (`isA`) or B to `level` at `tNs`. Returns false when it was an encoder error.
    public mutating func edge(isA: Bool, level: UInt8, atNs tNs: Int64) -> Bool {
        let current = isA ? levelA : levelB
        if level == current {
            errorCount += 1
            return false
        }
        if tNs == lastEdgeNs && isA != lastEdgeWasA && lastDelta != 0 {
            // Both lines changed at once: direction is unknowable, so the first half is undone too.
            count -= lastDelta
            lastDelta = 0
            if isA { levelA = level } else { levelB = level }
            errorCount += 1
            return false
        }
        let delta: Int64
        if isA {
            levelA = level
            delta = levelA != levelB ? 1 : -1
        } else {
            levelB = level
            delta = levelB == levelA ? 1 : -1
        }
        count += delta
        lastDelta = delta
        lastEdgeNs = tNs
        lastEdgeWasA = isA
        return true
    }
}
