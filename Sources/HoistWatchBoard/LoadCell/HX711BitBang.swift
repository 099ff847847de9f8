import HoistWatchCore

/// The HX711's two wires and a monotonic clock, as closures: the seam between the serial protocol and whatever
/// drives the lines (libgpiod line requests on a board, a scripted fake chip in tests).
///
/// Called from one thread only. `setClock` must return only once the level is on the wire, and PD_SCK must be
/// low before the first call (a line requested as an output with initial value 0): a high PD_SCK powers the chip
/// down.
public struct HX711Port {
    /// Drives PD_SCK: true = high.
    public var setClock: (Bool) -> Void
    /// Samples DOUT: true = high.
    public var readData: () -> Bool
    /// A monotonic clock, nanoseconds (CLOCK_MONOTONIC on a board).
    public var nowNs: () -> Int64

    /// The two lines and the clock.
    public init(setClock: @escaping (Bool) -> Void, readData: @escaping () -> Bool, nowNs: @escaping () -> Int64) {
        self.setClock = setClock
        self.readData = readData
        self.nowNs = nowNs
    }
}

/// The bit-banged HX711 read (docs/hx711.md): wait for DOUT low, clock 24 data bits out MSB first plus the
/// pulses that select the next conversion, timestamping every edge; `HX711Reader` decides what a read is worth.
///
/// The kernel's IIO driver does the same with interrupts off; here the thread can be preempted while PD_SCK is
/// high, which is why every read is measured and checked rather than trusted. No sleeping inside: waits longer
/// than a pulse call `idle` (a short sleep on a board), pulse-length waits spin on `nowNs`.
public struct HX711BitBang: Sendable {
    /// PD_SCK high time aimed at (datasheet typical 1 µs). A libgpiod write takes about as long, so on a board
    /// the spin rarely runs.
    public var targetHighNs: Int64
    /// PD_SCK low time aimed at between pulses.
    public var targetLowNs: Int64
    /// How long to wait for DOUT low: a little over one conversion period (100 ms at 10 SPS).
    public var readyTimeoutNs: Int64
    /// How long to wait after the chip reset: the settling time (400 ms at 10 SPS) and some margin.
    public var resetReadyTimeoutNs: Int64
    /// How long PD_SCK is held high to reset a chip whose pulse count is no longer known. Over 60 µs powers it
    /// down; the Linux driver found 10 ms gives a stable first value after the reset.
    public var resetHighNs: Int64
    /// The last read left the chip's pulse count unknown: reset it before the next read.
    public private(set) var needsReset = false
    /// Chip resets issued so far.
    public private(set) var resets = 0
    /// When the next conversion is due, from the ones seen: the wait for it sleeps until shortly before.
    public private(set) var pacing = HX711ConversionPacing()

    /// A driver with the datasheet-typical pulse and the waits of a 10 SPS chip.
    public init(
        targetHighNs: Int64 = 1_000, targetLowNs: Int64 = 1_000, readyTimeoutNs: Int64 = 150_000_000,
        resetReadyTimeoutNs: Int64 = 600_000_000, resetHighNs: Int64 = 10_000_000
    ) {
        self.targetHighNs = targetHighNs
        self.targetLowNs = targetLowNs
        self.readyTimeoutNs = readyTimeoutNs
        self.resetReadyTimeoutNs = resetReadyTimeoutNs
        self.resetHighNs = resetHighNs
    }

    /// Reads one sample: waits for a conversion, clocks it out, and retries as `reader` says until it emits the
    /// sample (a reading, or a failed read). `idle` is called between polls of DOUT and while a reset holds
    /// PD_SCK high. Once the chip's cadence is known (`pacing`), the wait first rests until shortly before the next
    /// conversion is due: `pause(ns)` (a sleep on a board); without one, `idle` is called until then.
    public mutating func sample(
        _ port: HX711Port, reader: inout HX711Reader, idle: () -> Void, pause: ((Int64) -> Void)? = nil
    ) -> InputEvent {
        var timeoutNs = readyTimeoutNs
        while true {
            if needsReset {
                reset(port, idle: idle)
                timeoutNs = resetReadyTimeoutNs
                pacing.forget()
            }
            rest(port, idle: idle, pause: pause)
            let attempt: HX711Reader.Attempt
            let tNs: Int64
            if let readyAtNs = Self.waitForReady(port, timeoutNs: timeoutNs, idle: idle) {
                let read = Self.clockOut(
                    port, input: reader.input, readyAtNs: readyAtNs,
                    targetHighNs: targetHighNs, targetLowNs: targetLowNs)
                attempt = .read(read)
                tNs = readyAtNs
                needsReset = read.violation(for: reader.input)?.leavesPulseCountUnknown ?? false
                pacing.noteReady(atNs: readyAtNs)
            } else {
                attempt = .notReady
                tNs = port.nowNs()
                // A chip that never signals ready may be waiting for the rest of a read it miscounted (DOUT then
                // shows a data bit), or be powered down: the Linux driver resets it in this case too.
                needsReset = true
                pacing.forget()
            }
            switch reader.finished(attempt, atNs: tNs) {
            case .emit(let event):
                return event
            case .retry(let violation):
                if case .poweredDown = violation {
                    timeoutNs = resetReadyTimeoutNs
                } else {
                    timeoutNs = readyTimeoutNs
                }
            }
        }
    }

    /// Rests until `pacing` says the next conversion may come: one `pause` (or `idle` until then).
    private func rest(_ port: HX711Port, idle: () -> Void, pause: ((Int64) -> Void)?) {
        guard let quietUntilNs = pacing.quietUntilNs else { return }
        var nowNs = port.nowNs()
        if let pause, quietUntilNs > nowNs {
            pause(quietUntilNs - nowNs)
            return
        }
        while nowNs < quietUntilNs {
            idle()
            nowNs = port.nowNs()
        }
    }

    /// Polls DOUT until it is low; returns the time just after the poll that saw it low, or nil after `timeoutNs`.
    public static func waitForReady(_ port: HX711Port, timeoutNs: Int64, idle: () -> Void) -> Int64? {
        let startNs = port.nowNs()
        while true {
            if !port.readData() { return port.nowNs() }
            if port.nowNs() - startNs >= timeoutNs { return nil }
            idle()
        }
    }

    /// Clocks one conversion out of a chip whose DOUT was seen low at `readyAtNs`, measuring every edge
    /// (see `HX711PulseTiming` for the bounds). DOUT is sampled after each falling edge, so T2 (data valid 0.1 µs
    /// after the rising edge) holds whenever the 0.2 µs high time does.
    ///
    /// Stops after a pulse that may have powered the chip down: it reset when PD_SCK went low, and more pulses
    /// would count against its next conversion.
    public static func clockOut(
        _ port: HX711Port, input: HX711Input, readyAtNs: Int64,
        targetHighNs: Int64 = 1_000, targetLowNs: Int64 = 1_000
    ) -> HX711Read {
        spin(port, from: readyAtNs, atLeastNs: HX711Timing.minReadyToClockNs)
        // Checked again right before clocking, as the Linux driver does: a level seen low during the wait may
        // have been a glitch.
        guard !port.readData() else {
            let timing = HX711ReadTiming(readyBeforeFirstClock: false, readyToFirstClockNs: 0, pulses: [])
            return HX711Read(levels: [], timing: timing)
        }
        var levels: [Bool] = []
        var pulses: [HX711PulseTiming] = []
        levels.reserveCapacity(input.pulses)
        pulses.reserveCapacity(input.pulses)
        var readyToFirstClockNs: Int64 = 0
        var lastFallNs: Int64?
        for _ in 0..<input.pulses {
            if let lastFallNs { spin(port, from: lastFallNs, atLeastNs: targetLowNs) }
            let beforeRiseNs = port.nowNs()
            if let lastFallNs {
                pulses[pulses.count - 1].lowMinNs = beforeRiseNs - lastFallNs
            } else {
                readyToFirstClockNs = beforeRiseNs - readyAtNs
            }
            port.setClock(true)
            let afterRiseNs = port.nowNs()
            let beforeFallNs = spin(port, from: afterRiseNs, atLeastNs: targetHighNs)
            port.setClock(false)
            let afterFallNs = port.nowNs()
            levels.append(port.readData())
            let pulse = HX711PulseTiming(
                highMinNs: beforeFallNs - afterRiseNs, highMaxNs: afterFallNs - beforeRiseNs,
                lowMinNs: nil)
            pulses.append(pulse)
            lastFallNs = afterFallNs
            if pulse.highMaxNs > HX711Timing.powerDownAfterNs { break }
        }
        let timing = HX711ReadTiming(
            readyBeforeFirstClock: true, readyToFirstClockNs: readyToFirstClockNs,
            pulses: pulses)
        return HX711Read(levels: levels, timing: timing)
    }

    /// Holds PD_SCK high for `resetHighNs` (the chip powers down), then low (it resets to channel A, gain 128).
    public mutating func reset(_ port: HX711Port, idle: () -> Void) {
        port.setClock(true)
        let startNs = port.nowNs()
        while port.nowNs() - startNs < resetHighNs { idle() }
        port.setClock(false)
        needsReset = false
        resets += 1
    }

    /// Reads the clock until `atLeastNs` have passed since `startNs`; returns the last reading.
    @discardableResult
    private static func spin(_ port: HX711Port, from startNs: Int64, atLeastNs: Int64) -> Int64 {
        var nowNs = port.nowNs()
        while nowNs - startNs < atLeastNs { nowNs = port.nowNs() }
        return nowNs
    }
}

extension HX711ReadViolation {
    /// True when the chip may have counted a different number of pulses than were sent (a pulse too short to
    /// see, two pulses merged, a missing pull-up after the data, a read aborted for a possible power-down): its
    /// next read would be misaligned, so it is reset first.
    ///
    /// A possible power-down is only possible: the long interval may have been spent inside the rising write,
    /// before the edge, with the chip awake and waiting for the rest of the read. The reset makes it certain. A
    /// slow but complete pulse, or a wait that sent nothing, leaves the count as it was.
    public var leavesPulseCountUnknown: Bool {
        switch self {
        case .clockHighTooShort, .clockLowTooShort, .wrongPulseCount, .doutLowAfterData, .poweredDown: return true
        case .notReady, .readyTooSoon, .clockHighTooLong: return false
        }
    }
}
