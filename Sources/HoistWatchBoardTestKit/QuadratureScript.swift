/// Scripted edges of a quadrature encoder at a constant edge rate: A and B alternate, A leads B when going up
/// (trace.md), as the fake board's electrical levels.
public struct QuadratureScript: Sendable {
    /// The chip's label.
    public var chip: String
    /// Offset of A (`enc_a`).
    public var lineA: UInt32
    /// Offset of B (`enc_b`).
    public var lineB: UInt32
    /// Electrical level of A after the last edge made.
    public private(set) var levelA: UInt8
    /// Electrical level of B after the last edge made.
    public private(set) var levelB: UInt8
    /// Time of the last edge made.
    public private(set) var lastNs: Int64
    /// Signed x4 count of the edges made so far (up = +).
    public private(set) var count: Int64 = 0

    /// An encoder at rest at `startNs` with both lines at `initialA`/`initialB`.
    public init(chip: String, lineA: UInt32, lineB: UInt32, startNs: Int64, initialA: UInt8 = 0, initialB: UInt8 = 0) {
        self.chip = chip
        self.lineA = lineA
        self.lineB = lineB
        levelA = initialA
        levelB = initialB
        lastNs = startNs
    }

    /// The next `edges` edges, `periodNs` apart, turning `up` or down.
    public mutating func next(_ edges: Int, periodNs: Int64, up: Bool = true) -> [FakeGpioBoard.Edge] {
        var result: [FakeGpioBoard.Edge] = []
        result.reserveCapacity(edges)
        for _ in 0..<edges {
            lastNs += periodNs
            // Up: from equal levels A moves, from different ones B; down the other way round.
            let moveA = (levelA == levelB) == up
            if moveA {
                levelA ^= 1
                result.append(FakeGpioBoard.Edge(chip: chip, offset: lineA, atNs: lastNs, level: levelA))
            } else {
                levelB ^= 1
                result.append(FakeGpioBoard.Edge(chip: chip, offset: lineB, atNs: lastNs, level: levelB))
            }
            count += up ? 1 : -1
        }
        return result
    }
}
