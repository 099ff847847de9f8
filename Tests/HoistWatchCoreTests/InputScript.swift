@testable import HoistWatchCore

/// Scripts timestamped input events for detector tests: encoder motion, levels, load samples, failed reads.
/// Time is given in seconds of trace time; nothing sleeps.
struct InputScript {
    var calibration: Calibration
    var header: TraceHeader
    private(set) var events: [InputEvent] = []
    private var phase = 0
    private var levelA: UInt8 = 0
    private var levelB: UInt8 = 0
    /// Where the scripted encoder has taken the car (m), from the header's initial position.
    private(set) var positionM: Double

    static func elevator(
        positionM: Double = 0, levels: [InputName: UInt8] = [:],
        thresholds: ((inout Thresholds) -> Void)? = nil
    ) -> InputScript {
        var calibration = Calibration(
            equipment: .elevator, deviceId: "37010000000000000001", countsPerMeter: 4000, loadRawZero: 84000,
            loadRawPerKg: 21.5, ratedKg: 1000, ratedSpeedMps: 1.75, levelsM: [0, 3.2, 6.4, 9.6, 12.8],
            doorZoneHalfM: 0.15)
        thresholds?(&calibration.thresholds)
        var initial: [InputName: UInt8] = [.doorClosed: 1, .doorZone: 1, .mainsOk: 1]
        initial.merge(levels) { $1 }
        return InputScript(
            calibration: calibration,
            header: TraceHeader(
                equipment: .elevator, deviceId: calibration.deviceId,
                initialPositionM: positionM, initialLevels: initial),
            positionM: positionM)
    }

    static func crane(heightM: Double = 5, levels: [InputName: UInt8] = [:]) -> InputScript {
        let calibration = Calibration(
            equipment: .crane, deviceId: "37010000000000000101", countsPerMeter: 2000, loadRawZero: 12000,
            loadRawPerKg: 2, ratedKg: 10000, ratedSpeedMps: 0.5, upperLimitM: 18, lowerLimitM: 0.5, windMpsPerHz: 0.7)
        var initial: [InputName: UInt8] = [.mainsOk: 1]
        initial.merge(levels) { $1 }
        return InputScript(
            calibration: calibration,
            header: TraceHeader(
                equipment: .crane, deviceId: calibration.deviceId,
                initialPositionM: heightM, initialLevels: initial),
            positionM: heightM)
    }

    private init(calibration: Calibration, header: TraceHeader, positionM: Double) {
        self.calibration = calibration
        self.header = header
        self.positionM = positionM
    }

    static func ns(_ seconds: Double) -> Int64 { Int64((seconds * 1e9).rounded()) }

    /// A digital input changes to `level` at `atS`.
    mutating func set(_ input: InputName, _ level: UInt8, atS: Double) {
        events.append(.level(input, level, atNs: Self.ns(atS)))
    }

    /// `count` raw changes of `input`, `periodS` apart, starting at `fromS` (chatter), ending at `endLevel`.
    mutating func toggle(_ input: InputName, count: Int, fromS: Double, periodS: Double, startLevel: UInt8) {
        var level = startLevel
        for index in 0..<count {
            level ^= 1
            set(input, level, atS: fromS + Double(index) * periodS)
        }
    }

    /// Moves the car/hook at constant `speedMps` (signed, up = +) for `durationS` from `fromS`: encoder edges.
    mutating func move(fromS: Double, durationS: Double, speedMps: Double) {
        let edges = Int((abs(speedMps) * durationS * calibration.countsPerMeter).rounded())
        guard edges > 0 else { return }
        let interval = durationS / Double(edges)
        let gray: [(UInt8, UInt8)] = [(0, 0), (1, 0), (1, 1), (0, 1)]
        for index in 1...edges {
            phase = (phase + (speedMps > 0 ? 1 : 3)) % 4
            let (a, b) = gray[phase]
            let t = fromS + Double(index) * interval
            if a != levelA {
                levelA = a
                events.append(.level(.encA, a, atNs: Self.ns(t)))
            }
            if b != levelB {
                levelB = b
                events.append(.level(.encB, b, atNs: Self.ns(t)))
            }
        }
        positionM += Double(edges) / calibration.countsPerMeter * (speedMps > 0 ? 1 : -1)
    }

    /// HX711 samples at 10 Hz from `fromS` to `toS` for a steady `kg` (a tiny alternating noise).
    mutating func load(kg: Double, fromS: Double, toS: Double) {
        var t = fromS
        var index = 0
        while t < toS - 1e-9 {
            let raw = calibration.loadRawZero + calibration.loadRawPerKg * kg + Double(index % 3)
            events.append(.sample(.load, raw: Int32(raw.rounded()), atNs: Self.ns(t)))
            t += 0.1
            index += 1
        }
    }

    /// Failed HX711 reads at 10 Hz from `fromS` to `toS`.
    mutating func failedReads(fromS: Double, toS: Double) {
        var t = fromS
        while t < toS - 1e-9 {
            events.append(.sample(.load, raw: nil, atNs: Self.ns(t)))
            t += 0.1
        }
    }

    /// Runs everything through a fresh engine up to `untilS` and returns the events.
    func run(untilS: Double) -> [Event] {
        var engine = DetectionEngine(
            calibration: calibration, header: header,
            stamper: .replay(deviceId: calibration.deviceId, seed: 42))
        var out: [Event] = []
        for event in sortedEvents() { engine.process(event, into: &out) }
        engine.advance(toNs: Self.ns(untilS), into: &out)
        return out
    }

    func sortedEvents() -> [InputEvent] {
        events.enumerated().sorted { ($0.element.tNs, $0.offset) < ($1.element.tNs, $1.offset) }.map(\.element)
    }
}

extension Array where Element == Event {
    /// (type, transition) pairs, for compact assertions.
    var transitions: [String] { map { "\($0.type.rawValue) \($0.transition.rawValue)" } }

    /// The first event of `type` and `transition`.
    func first(_ type: FaultType, _ transition: Transition) -> Event? {
        first { $0.type == type && $0.transition == transition }
    }

    /// Seconds of trace time of the first matching event.
    func seconds(_ type: FaultType, _ transition: Transition) -> Double? {
        first(type, transition).map { Double($0.monoNs) / 1e9 }
    }
}
