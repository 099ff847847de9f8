/// The floor-learning run of `hoistwatch calibrate floors`, as a pure state machine: the car starts at rest in
/// the bottom landing's door zone and is driven up to the top landing; every confirmed `door_zone` change
/// (`DoorZoneMark`) comes in with its raw encoder count. Each door zone's centre becomes a landing level.
///
/// The bottom zone is only seen leaving it and the top zone only entering it, so their centres are the one
/// edge seen -/+ half a zone length; the half length is measured on the intermediate zones (both edges seen),
/// or taken from the calibration's `door_zone_half_m` when there are none. Levels are relative to the bottom
/// landing (which is 0 by calibration.md).
public struct FloorLearning: Sendable {
    /// Why a run cannot give levels. The description is what the technician reads.
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        /// The sentence the technician reads: what went wrong and what to do.
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// The levels learnt and what was measured on the way.
    public struct Result: Sendable, Hashable {
        /// Landing heights, metres above the bottom landing, rounded to the millimetre.
        public var levelsM: [Double]
        /// Half length of the door zones measured on the intermediate landings (nil: none; nominal used).
        public var measuredZoneHalfM: Double?
        /// Where the car stood at the start, metres from the learnt bottom level: how well it was levelled there.
        public var startOffsetM: Double
        /// Where the car stood at the end, metres from the learnt top level.
        public var endOffsetM: Double
    }

    /// A zone crossed going up: entry and exit counts (the bottom zone has no entry, the top one no exit yet).
    private struct Zone {
        var entry: Int64?
        var exit: Int64?
    }

    /// Quadrature counts per metre (the calibration's `counts_per_meter`), to turn counts into metres.
    public let countsPerMeter: Double
    /// Half a door zone's length, m, as the calibration has it (`door_zone_half_m`): used when no intermediate zone was
    /// measured.
    public let nominalZoneHalfM: Double
    private let startCount: Int64
    private var zones: [Zone]
    private var lastCount: Int64
    /// A zone shorter than this (m) is a glitch of the sensor at a zone edge, not a landing.
    static let shortestZoneM = 0.02
    /// Going back down by more than this (m) between two marks means the run is not bottom to top.
    static let reverseToleranceM = 0.01

    /// Starts a run with the car at rest in the bottom door zone at `startCount`.
    public init(startCount: Int64, countsPerMeter: Double, nominalZoneHalfM: Double) {
        self.startCount = startCount
        self.countsPerMeter = countsPerMeter
        self.nominalZoneHalfM = nominalZoneHalfM
        zones = [Zone(entry: nil, exit: nil)]
        lastCount = startCount
    }

    /// Landings found so far (the bottom one included; a zone entered counts).
    public var landingsSeen: Int { zones.count }

    /// Whether the car is inside a door zone by the marks seen.
    public var insideZone: Bool { zones[zones.count - 1].exit == nil }

    /// One confirmed door-zone change, in order.
    public mutating func add(_ mark: DoorZoneMark) throws(Problem) {
        if Double(lastCount - mark.encoderCount) > Self.reverseToleranceM * countsPerMeter {
            let downM = FixedPoint.format(Double(lastCount - mark.encoderCount) / countsPerMeter, decimals: 2)
            throw Problem(
                "the car went DOWN (\(downM) m) during the learning run: start again from the bottom "
                    + "landing and drive up only (or the encoder counts down going up: swap enc_a and enc_b)")
        }
        lastCount = max(lastCount, mark.encoderCount)
        let last = zones.count - 1
        switch (mark.level, insideZone) {
        case (0, true):
            zones[last].exit = mark.encoderCount
        case (1, false):
            zones.append(Zone(entry: mark.encoderCount, exit: nil))
        default:
            return  // the same level again (a mark from before the run): nothing changes
        }
        // A zone left almost as soon as it was entered is the sensor flickering at an edge: merge it away.
        if let entry = zones[last].entry, let exit = zones[last].exit,
            Double(exit - entry) < Self.shortestZoneM * countsPerMeter, last > 0
        {
            zones.removeLast()
            zones[last - 1].exit = exit
        }
    }

    /// The levels, once the car rests in the top landing's zone at `endCount`.
    public func result(endCount: Int64) throws(Problem) -> Result {
        guard zones.count >= 2 else {
            throw Problem("only the bottom landing's door zone was seen: drive the car up to the top landing")
        }
        guard insideZone else {
            throw Problem("the car is not in a door zone: stop it level with the top landing")
        }
        guard let bottomExit = zones[0].exit else { throw Problem("the car never left the bottom landing's door zone") }
        let middles = zones.dropFirst().dropLast()
        var measuredHalfM: Double?
        if !middles.isEmpty {
            let lengths = middles.map { Double($0.exit! - $0.entry!) / countsPerMeter }
            measuredHalfM = lengths.reduce(0, +) / Double(lengths.count) / 2
        }
        let halfCounts = (measuredHalfM ?? nominalZoneHalfM) * countsPerMeter
        var centres: [Double] = [Double(bottomExit) - halfCounts]
        for zone in middles { centres.append(Double(zone.entry! + zone.exit!) / 2) }
        centres.append(Double(zones[zones.count - 1].entry!) + halfCounts)
        let levels = centres.map { (($0 - centres[0]) / countsPerMeter * 1000).rounded() / 1000 }
        for index in 1..<levels.count where levels[index] <= levels[index - 1] {
            throw Problem("landings \(index) and \(index + 1) came out at the same height: check the door zone sensor")
        }
        return Result(
            levelsM: levels, measuredZoneHalfM: measuredHalfM.map { ($0 * 1000).rounded() / 1000 },
            startOffsetM: (Double(startCount) - centres[0]) / countsPerMeter,
            endOffsetM: (Double(endCount) - centres[centres.count - 1]) / countsPerMeter)
    }
}
