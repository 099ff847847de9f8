/// Turns raw input events into the derived signals of faults.md: debounced levels, position, speed, load, wind,
/// and the evidence of sensor faults (chatter, encoder errors, failed or stuck ADC, encoder slip).
///
/// Events update it as they arrive (`apply`); time-based parts (debounce, speed window, rest detection,
/// re-referencing) advance on the engine's tick grid (`tick`). It never reads a clock.
public struct SignalChain: Sendable {
    /// The tick grid the engine evaluates on.
    public static let tickNs: Int64 = 10_000_000
    static let secondNs: Int64 = 1_000_000_000

    /// The calibration the signals are derived with.
    public let calibration: Calibration
    let thresholds: Thresholds
    private(set) var debouncers: [Debouncer?]
    private(set) var chatter: [RecentTimes?]
    private var rawChanges: [Int64]
    private var edgeCounts: [Int64]
    private var decoder: QuadratureDecoder
    private(set) var encoderErrors = RecentTimes(capacity: 11)
    /// When the input reader last reported more doubtful edges (one is enough for the cause).
    private(set) var inputLossTimes = RecentTimes(capacity: 1)
    /// The input reader's loss totals as last reported; nil when it reports none (replay, simulated board).
    public private(set) var inputLoss: InputLossCounts?
    private(set) var speedEstimator: SpeedEstimator
    private(set) var load: LoadFilter
    private(set) var wind: WindMeter
    private var windLevel: UInt8

    /// Metres added to encoder counts / counts_per_meter (initial position, then re-referencing corrections).
    private var positionOffsetM: Double
    /// Whether the position is tied to the shaft (from the trace header / persisted position, or a door zone).
    public private(set) var referenced: Bool
    /// Car floor or hook height, m: encoder counts over `counts_per_meter` plus the initial position and re-referencing
    /// corrections.
    public private(set) var positionM: Double
    /// Signed speed, up = +, m/s: the displacement over the `speed_window_ms` window.
    public private(set) var speedMps: Double = 0
    /// Trace time of the last tick, ns.
    public private(set) var nowNs: Int64 = 0
    private(set) var restingSinceNs: Int64? = 0
    private(set) var referencedThisRest = false
    /// Set on the tick a re-reference corrected more than `position_slip_m` (the correction, m).
    public private(set) var slipCorrectionM: Double?
    /// The last correction applied by re-referencing (m), for diagnostics.
    public private(set) var lastCorrectionM: Double = 0

    private(set) var occupancyDroppedAtNs: Int64?
    /// Encoder count and time of the last raw `door_zone` change, waiting for the debounce to confirm it.
    private var doorZoneRawEdge: (count: Int64, tNs: Int64) = (0, 0)
    /// The last confirmed door-zone change (at most one per tick: the debounce is longer than a tick).
    public private(set) var lastDoorZoneMark: DoorZoneMark?
    /// Door-zone changes confirmed since start.
    public private(set) var doorZoneMarkCount: Int64 = 0

    /// A chain starting from the trace header's initial levels and position (unreferenced when it has none).
    public init(calibration: Calibration, header: TraceHeader) {
        self.calibration = calibration
        thresholds = calibration.thresholds
        let count = InputName.allCases.count
        let debounceNs = Int64(thresholds.debounceMs * 1e6)
        debouncers = Array(repeating: nil, count: count)
        chatter = Array(repeating: nil, count: count)
        rawChanges = Array(repeating: 0, count: count)
        edgeCounts = Array(repeating: 0, count: count)
        for input in calibration.equipment.digitalInputs where !input.isCounter {
            debouncers[Int(input.rawValue)] = Debouncer(
                initialLevel: header.initialLevel(input), debounceNs: debounceNs)
            chatter[Int(input.rawValue)] = RecentTimes(capacity: 21)
        }
        decoder = QuadratureDecoder(initialA: header.initialLevel(.encA), initialB: header.initialLevel(.encB))
        let windowTicks = Int((thresholds.speedWindowMs * 1e6 / Double(Self.tickNs)).rounded())
        speedEstimator = SpeedEstimator(windowTicks: windowTicks, tickNs: Self.tickNs)
        load = LoadFilter(
            rawZero: calibration.loadRawZero, rawPerKg: calibration.loadRawPerKg,
            medianSamples: thresholds.loadMedianSamples)
        wind = WindMeter(mpsPerHz: calibration.windMpsPerHz)
        windLevel = header.initialLevel(.windPulse)
        positionOffsetM = header.initialPositionM ?? 0
        referenced = header.initialPositionM != nil
        positionM = positionOffsetM
    }

    // MARK: events

    /// Applies one input event (already validated by the trace decoder or the GPIO backend).
    public mutating func apply(_ event: InputEvent) {
        switch event.source {
        case .adc:
            load.sample(raw: event.raw, atNs: event.tNs)
        case .line(let input):
            let level = UInt8(truncatingIfNeeded: event.value)
            let slot = Int(input.rawValue)
            switch input {
            case .encA, .encB:
                edgeCounts[slot] += 1
                if !decoder.edge(isA: input == .encA, level: level, atNs: event.tNs) {
                    encoderErrors.record(atNs: event.tNs)
                }
                positionM = positionOffsetM + Double(decoder.count) / calibration.countsPerMeter
            case .windPulse:
                edgeCounts[slot] += 1
                if level == 1 && windLevel == 0 { wind.pulse(atNs: event.tNs) }
                windLevel = level
            default:
                guard debouncers[slot] != nil else { return }
                if debouncers[slot]!.observe(level, atNs: event.tNs) {
                    if input == .doorZone { doorZoneRawEdge = (decoder.count, event.tNs) }
                    edgeCounts[slot] += 1
                    rawChanges[slot] += 1
                    chatter[slot]!.record(atNs: event.tNs)
                }
            }
        }
    }

    /// The input reader's loss totals after the events handed on up to `tNs`: an increase of its doubtful edges
    /// is noted at `tNs` (the time of the last event read with them).
    public mutating func noteInputLoss(_ totals: InputLossCounts, atNs tNs: Int64) {
        if totals.doubtfulEdges > (inputLoss?.doubtfulEdges ?? 0) { inputLossTimes.record(atNs: tNs) }
        inputLoss = totals
    }

    // MARK: ticks

    /// Advances time-based signals to the tick at `tNs`. Returns the inputs whose debounced level changed.
    public mutating func tick(atNs tNs: Int64, changed: inout [InputName]) {
        nowNs = tNs
        slipCorrectionM = nil
        for input in calibration.equipment.digitalInputs where !input.isCounter {
            let slot = Int(input.rawValue)
            if debouncers[slot]!.settle(atNs: tNs) != nil {
                changed.append(input)
                if input == .occupancy || input == .doorClosed { updateOccupancyHold(input) }
                if input == .doorZone {
                    lastDoorZoneMark = DoorZoneMark(
                        level: level(.doorZone), encoderCount: doorZoneRawEdge.count,
                        tNs: doorZoneRawEdge.tNs)
                    doorZoneMarkCount += 1
                }
            }
        }
        speedMps = speedEstimator.sample(positionM: positionM)
        wind.advance(toNs: tNs)
        updateRest()
    }

    /// Replay's jump over `ticks` idle ticks (`DetectionEngine.advanceSkippingIdleTicks`, only when `nextChangeNs`
    /// says nothing changes before them): what they would have left behind, which is the speed window's samples.
    mutating func skipIdle(ticks: Int64) {
        speedEstimator.hold(positionM: positionM, ticks: ticks)
    }

    private mutating func updateOccupancyHold(_ input: InputName) {
        if input == .occupancy {
            occupancyDroppedAtNs = level(.occupancy) == 0 ? nowNs : nil
        } else if level(.doorClosed) == 0 {
            // Once the door opens, a person may really have left: the hold no longer applies.
            occupancyDroppedAtNs = nil
        }
    }

    private mutating func updateRest() {
        if isMoving {
            restingSinceNs = nil
            referencedThisRest = false
            return
        }
        if restingSinceNs == nil { restingSinceNs = nowNs }
        guard calibration.equipment == .elevator, !referencedThisRest, calibration.isWired(.doorZone, .encA),
            let since = restingSinceNs, nowNs - since >= 200_000_000, level(.doorZone) == 1
        else { return }
        referencedThisRest = true
        let landing = calibration.levelsM.min(by: { abs($0 - positionM) < abs($1 - positionM) }) ?? 0
        let correction = landing - positionM
        if referenced && abs(correction) > thresholds.positionSlipM { slipCorrectionM = correction }
        lastCorrectionM = correction
        positionOffsetM += correction
        positionM += correction
        speedEstimator.shift(byM: correction)
        referenced = true
    }

    // MARK: derived signals

    /// The debounced logical level of a switch input (0 for counters and unknown inputs).
    public func level(_ input: InputName) -> UInt8 { debouncers[Int(input.rawValue)]?.level ?? 0 }

    /// The raw (not debounced) level of a switch input.
    public func rawLevel(_ input: InputName) -> UInt8 { debouncers[Int(input.rawValue)]?.rawLevel ?? 0 }

    /// Edges seen on an input since start.
    public func edgeCount(_ input: InputName) -> Int64 { edgeCounts[Int(input.rawValue)] }

    /// Whether the speed estimate stays as it is (0) until the position changes.
    var speedIsSteady: Bool { speedEstimator.isSteady(positionM: positionM, speed: speedMps) }

    /// |speed| above `moving_mps`.
    public var isMoving: Bool { abs(speedMps) > thresholds.movingMps }

    /// Occupancy with the PIR hold: a drop shorter than `occupancy_hold_s` while the door stays closed is ignored.
    public var occupied: Bool {
        if level(.occupancy) == 1 { return true }
        guard let dropped = occupancyDroppedAtNs, level(.doorClosed) == 1 else { return false }
        return Double(nowNs - dropped) < thresholds.occupancyHoldS * 1e9
    }

    /// How long the car has been at rest (0 while moving).
    public var restingNs: Int64 { restingSinceNs.map { nowNs - $0 } ?? 0 }

    /// Filtered load, kg (nil before the first good sample).
    public var loadKg: Double? { load.loadKg }

    /// The filtered load in HX711 counts (the median of the raw samples), for the load-calibration wizard.
    /// The calibration is linear, so this is exactly the median of the raw values.
    public var loadRawMedian: Double? {
        load.loadKg.map { $0 * calibration.loadRawPerKg + calibration.loadRawZero }
    }

    /// The quadrature decoder's signed count since start (x4, up = +), before any re-referencing.
    public var encoderCount: Int64 { decoder.count }

    /// ADC reads have been failing for at least 1 s.
    public var adcFailing: Bool { load.failingSinceNs.map { nowNs - $0 >= Self.secondNs } ?? false }

    /// The ADC raw value has not changed for 60 s, while moving.
    public var adcStuck: Bool {
        load.hasRaw && load.failingSinceNs == nil && nowNs - load.sameRawSinceNs >= 60 * Self.secondNs && isMoving
    }

    /// More than 10 encoder errors in the last second.
    public var encoderErrorsExcessive: Bool { encoderErrors.isFull(withinNs: Self.secondNs, atNs: nowNs) }

    /// Encoder errors in the last second (up to 11).
    public var encoderErrorsLastSecond: Int { encoderErrors.count(withinNs: Self.secondNs, atNs: nowNs) }

    /// How long a doubtful edge keeps the `gpio_lost_edges` cause present.
    public static let inputLossWindowNs: Int64 = 10 * secondNs

    /// The input reader reported doubtful edges (lost, late, or possibly dropped) in the last 10 s.
    public var inputLossRecent: Bool { inputLossTimes.count(withinNs: Self.inputLossWindowNs, atNs: nowNs) > 0 }

    /// Total encoder errors since start.
    public var encoderErrorTotal: Int64 { decoder.errorCount }

    /// Switch inputs that changed more than 20 times in the last second.
    public var chatteringInputs: [InputName] {
        calibration.equipment.digitalInputs.filter { input in
            chatter[Int(input.rawValue)]?.isFull(withinNs: Self.secondNs, atNs: nowNs) ?? false
        }
    }

    /// Mean wind speed over the last 10 s, m/s (what `high_wind` is raised on).
    public var wind10sMps: Double { wind.average10sMps }
    /// Mean wind speed over the last 60 s, m/s (what `high_wind` is cleared on).
    public var wind60sMps: Double { wind.average60sMps }

    /// The nearest landing's index and height (elevator).
    public var nearestLanding: (index: Int, heightM: Double)? {
        guard !calibration.levelsM.isEmpty else { return nil }
        var best = 0
        for index in calibration.levelsM.indices
        where abs(calibration.levelsM[index] - positionM) < abs(calibration.levelsM[best] - positionM) {
            best = index
        }
        return (best, calibration.levelsM[best])
    }
}
