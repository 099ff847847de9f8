import HoistWatchCore

/// The encoder on the governor (elevator) or hoist drum (crane): x4 quadrature edges generated exactly from the
/// position, in Gray code order (A leads B = up), each at the interpolated instant the count changes.
///
/// Encoder slip (the wheel sliding on the rope or rail) is modelled as counts the encoder never produces:
/// while slipping, the encoder sees only part of the travel, so the decoded position falls behind the car.
struct QuadratureEncoder: Sendable {
    let countsPerMeter: Double
    private let originM: Double
    /// Counts produced so far (the Gray code phase is `count & 3`).
    private(set) var count: Int64 = 0
    private var lostM = 0.0
    private var slipFraction = 0.0
    private var slipFromM = 0.0
    /// `count` as a fraction at the last position seen.
    private var lastFraction = 0.0

    init(countsPerMeter: Double, originM: Double) {
        self.countsPerMeter = countsPerMeter
        self.originM = originM
    }

    /// Levels of A and B for a count: phases 0, 1, 2, 3 are (0,0), (1,0), (1,1), (0,1).
    static func levels(count: Int64) -> (a: UInt8, b: UInt8) {
        switch count & 3 {
        case 0: return (0, 0)
        case 1: return (1, 0)
        case 2: return (1, 1)
        default: return (0, 1)
        }
    }

    /// Starts losing `fraction` of the travel from `positionM` on.
    mutating func beginSlip(fraction: Double, fromM positionM: Double) {
        slipFraction = min(max(fraction, 0), 0.9)
        slipFromM = positionM
    }

    /// Stops slipping at `positionM`; what was lost stays lost (until the agent re-references).
    mutating func endSlip(atM positionM: Double) {
        lostM += slipFraction * (positionM - slipFromM)
        slipFraction = 0
    }

    /// Where the encoder thinks the car is, relative to the start, in counts.
    private func fraction(atM positionM: Double) -> Double {
        (positionM - originM - lostM - slipFraction * (positionM - slipFromM)) * countsPerMeter
    }

    /// Produces the edges between the last position seen (at `fromNs`) and `positionM` (at `toNs`), calling
    /// `edge` for each, in time order.
    mutating func edges(toM positionM: Double, fromNs: Int64, toNs: Int64, edge: (InputEvent) -> Void) {
        let startFraction = lastFraction
        let endFraction = fraction(atM: positionM)
        lastFraction = endFraction
        let target = Int64(endFraction.rounded(.down))
        guard target != count else { return }
        let span = endFraction - startFraction
        let stepNs = Double(toNs - fromNs)
        func instant(_ boundary: Double) -> Int64 {
            guard span != 0 else { return toNs }
            let t = fromNs + Int64(((boundary - startFraction) / span * stepNs).rounded(.up))
            return min(max(t, fromNs), toNs)
        }
        while count < target {
            // Up: the count becomes k as the position passes k; phases 0->1 and 2->3 move A.
            let movesA = count & 1 == 0
            count += 1
            let levels = Self.levels(count: count)
            let line: InputName = movesA ? .encA : .encB
            edge(
                InputEvent(tNs: instant(Double(count)), source: .line(line), value: Int32(movesA ? levels.a : levels.b))
            )
        }
        while count > target {
            // Down: the count leaves k as the position falls below k; phases 1->0 and 3->2 move A.
            let boundary = Double(count)
            let movesA = count & 1 == 1
            count -= 1
            let levels = Self.levels(count: count)
            let line: InputName = movesA ? .encA : .encB
            edge(InputEvent(tNs: instant(boundary), source: .line(line), value: Int32(movesA ? levels.a : levels.b)))
        }
    }
}
