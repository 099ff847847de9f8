/// A planned movement of the car or hook: consecutive segments of constant jerk, so position, speed and
/// acceleration are exact cubic / quadratic / linear functions of time, with no integration drift.
struct MotionProfile: Sendable {
    /// The state at the start of a segment and the jerk held through it.
    struct Segment: Sendable {
        var startNs: Int64
        var positionM: Double
        var speedMps: Double
        var accelMps2: Double
        var jerkMps3: Double
    }

    /// Comfort limits of a drive (elevator ride quality, crane hoist).
    struct Limits: Sendable {
        var speedMps: Double
        var accelMps2: Double
        var jerkMps3: Double
    }

    private(set) var segments: [Segment]
    /// When the movement is over (the car stands still at `endPositionM`).
    let endNs: Int64
    let endPositionM: Double
    private var cursor = 0

    /// Standing still at `positionM`.
    static func rest(at positionM: Double, fromNs: Int64) -> MotionProfile {
        MotionProfile(
            segments: [Segment(startNs: fromNs, positionM: positionM, speedMps: 0, accelMps2: 0, jerkMps3: 0)],
            endNs: fromNs, endPositionM: positionM)
    }

    private init(segments: [Segment], endNs: Int64, endPositionM: Double) {
        self.segments = segments
        self.endNs = endNs
        self.endPositionM = endPositionM
    }

    /// A jerk-limited rest-to-rest move (the seven-phase S-curve): up to `limits.speedMps`, or a lower peak speed
    /// when the distance is too short to reach it.
    static func move(from startM: Double, to endM: Double, startNs: Int64, limits: Limits) -> MotionProfile {
        let distance = abs(endM - startM)
        guard distance > 1e-9 else { return rest(at: endM, fromNs: startNs) }
        let direction: Double = endM > startM ? 1 : -1
        let accel = limits.accelMps2
        let jerk = limits.jerkMps3
        let peak = min(limits.speedMps, peakSpeed(distance: distance, accel: accel, jerk: jerk))
        let peakAccel = min(accel, (peak * jerk).squareRoot())
        let jerkS = peakAccel / jerk
        let constantAccelS = max(0, peak / peakAccel - jerkS)
        let rampDistance = peak * (peak / peakAccel + peakAccel / jerk)
        let cruiseS = max(0, (distance - rampDistance) / peak)
        let phases: [(Double, Double)] = [
            (jerk, jerkS), (0, constantAccelS), (-jerk, jerkS), (0, cruiseS),
            (-jerk, jerkS), (0, constantAccelS), (jerk, jerkS),
        ]
        var segments: [Segment] = []
        var state = Segment(startNs: startNs, positionM: startM, speedMps: 0, accelMps2: 0, jerkMps3: 0)
        var elapsedS = 0.0
        for (phaseJerk, durationS) in phases where durationS > 1e-9 {
            state.jerkMps3 = phaseJerk * direction
            state.startNs = startNs + Int64((elapsedS * 1e9).rounded())
            segments.append(state)
            state = advanced(state, bySeconds: durationS)
            elapsedS += durationS
        }
        let endNs = startNs + Int64((elapsedS * 1e9).rounded())
        segments.append(Segment(startNs: endNs, positionM: endM, speedMps: 0, accelMps2: 0, jerkMps3: 0))
        return MotionProfile(segments: segments, endNs: endNs, endPositionM: endM)
    }

    /// An emergency stop from the state at `atNs`: constant deceleration until the speed is zero.
    func emergencyStop(atNs: Int64, decelMps2: Double) -> MotionProfile {
        let now = state(atNs: atNs)
        guard abs(now.speedMps) > 1e-6 else { return .rest(at: now.positionM, fromNs: atNs) }
        let decel = now.speedMps > 0 ? -decelMps2 : decelMps2
        let durationS = abs(now.speedMps) / decelMps2
        let start = Segment(
            startNs: atNs, positionM: now.positionM, speedMps: now.speedMps, accelMps2: decel, jerkMps3: 0)
        let end = Self.advanced(start, bySeconds: durationS)
        let endNs = atNs + Int64((durationS * 1e9).rounded())
        return MotionProfile(
            segments: [
                start, Segment(startNs: endNs, positionM: end.positionM, speedMps: 0, accelMps2: 0, jerkMps3: 0),
            ],
            endNs: endNs, endPositionM: end.positionM)
    }

    /// Position, speed and acceleration at `tNs`. Calls with non-decreasing times are O(1).
    mutating func stateAdvancing(toNs tNs: Int64) -> Segment {
        if cursor >= segments.count || segments[cursor].startNs > tNs { cursor = 0 }
        while cursor + 1 < segments.count && segments[cursor + 1].startNs <= tNs { cursor += 1 }
        return Self.evaluate(segments[cursor], atNs: tNs, endNs: endNs)
    }

    /// Position, speed and acceleration at `tNs` (no cursor; for one-off queries).
    func state(atNs tNs: Int64) -> Segment {
        var index = 0
        while index + 1 < segments.count && segments[index + 1].startNs <= tNs { index += 1 }
        return Self.evaluate(segments[index], atNs: tNs, endNs: endNs)
    }

    private static func evaluate(_ segment: Segment, atNs tNs: Int64, endNs: Int64) -> Segment {
        if tNs >= endNs && segment.jerkMps3 == 0 && segment.accelMps2 == 0 && segment.speedMps == 0 { return segment }
        let seconds = Double(max(0, tNs - segment.startNs)) / 1e9
        var result = advanced(segment, bySeconds: seconds)
        result.startNs = tNs
        return result
    }

    private static func advanced(_ segment: Segment, bySeconds t: Double) -> Segment {
        let j = segment.jerkMps3
        let a = segment.accelMps2
        let v = segment.speedMps
        var next = segment
        next.positionM = segment.positionM + v * t + a * t * t / 2 + j * t * t * t / 6
        next.speedMps = v + a * t + j * t * t / 2
        next.accelMps2 = a + j * t
        return next
    }

    /// The highest speed a rest-to-rest S-curve over `distance` reaches with unlimited speed.
    private static func peakSpeed(distance: Double, accel: Double, jerk: Double) -> Double {
        let ratio = accel / jerk
        let withFullAccel = accel / 2 * (-ratio + (ratio * ratio + 4 * distance / accel).squareRoot())
        if withFullAccel >= accel * accel / jerk { return withFullAccel }
        return cubeRoot(distance * distance * jerk / 4)
    }
}
