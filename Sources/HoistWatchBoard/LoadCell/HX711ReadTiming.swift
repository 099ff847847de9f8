/// The HX711 serial interface's timing limits (datasheet Fig. 2 "Data output, input and gain selection timing",
/// Fig. 3 "Power down control").
public enum HX711Timing {
    /// T1: DOUT falling edge (conversion ready) to the first PD_SCK rising edge, at least 0.1 µs.
    public static let minReadyToClockNs: Int64 = 100
    /// T3: PD_SCK high time, at least 0.2 µs.
    public static let minClockHighNs: Int64 = 200
    /// T3: PD_SCK high time, at most 50 µs.
    public static let maxClockHighNs: Int64 = 50_000
    /// PD_SCK high for longer than 60 µs powers the chip down; it resets when PD_SCK returns low, and its next
    /// conversion comes after the settling time (400 ms at 10 SPS) on channel A, gain 128.
    public static let powerDownAfterNs: Int64 = 60_000
    /// T4: PD_SCK low time between pulses, at least 0.2 µs.
    public static let minClockLowNs: Int64 = 200
}

/// How long PD_SCK was high and then low around one clock pulse, as the reader could measure it.
///
/// A user-space reader timestamps its GPIO writes, not the edges: each edge happened somewhere inside its write
/// call. So a pulse has a shortest possible high time (from after the rising write returned to before the falling
/// write started) and a longest (from before the rising write started to after the falling write returned).
/// Checks use the bound that could break the limit: the shortest against the minimum, the longest against the
/// maximum and the power-down time.
public struct HX711PulseTiming: Sendable, Hashable {
    /// Shortest PD_SCK can have been high, nanoseconds.
    public var highMinNs: Int64
    /// Longest PD_SCK can have been high, nanoseconds.
    public var highMaxNs: Int64
    /// Shortest PD_SCK can have been low before the next pulse's rising edge; nil after the last pulse.
    public var lowMinNs: Int64?

    /// A pulse measured with bounds (a user-space reader).
    public init(highMinNs: Int64, highMaxNs: Int64, lowMinNs: Int64?) {
        self.highMinNs = highMinNs
        self.highMaxNs = highMaxNs
        self.lowMinNs = lowMinNs
    }

    /// A pulse measured exactly (a logic analyser, a datasheet figure).
    public init(highNs: Int64, lowNs: Int64?) {
        self.init(highMinNs: highNs, highMaxNs: highNs, lowMinNs: lowNs)
    }
}

/// The measured timing of one read: the ready check before the first clock, then every PD_SCK pulse.
public struct HX711ReadTiming: Sendable, Hashable {
    /// DOUT was still low (conversion ready) when sampled just before the first rising edge.
    public var readyBeforeFirstClock: Bool
    /// Shortest possible time from seeing DOUT low to the first rising edge (T1), nanoseconds.
    public var readyToFirstClockNs: Int64
    /// Every pulse clocked, in order (pulse 1 shifts out the MSB).
    public var pulses: [HX711PulseTiming]

    /// A read's timing as measured.
    public init(readyBeforeFirstClock: Bool, readyToFirstClockNs: Int64, pulses: [HX711PulseTiming]) {
        self.readyBeforeFirstClock = readyBeforeFirstClock
        self.readyToFirstClockNs = readyToFirstClockNs
        self.pulses = pulses
    }

    /// Why this read cannot be trusted, or nil when every limit held for a read selecting `input` next.
    ///
    /// A possible power-down is reported before anything else, wherever it happened: the chip then reset, which
    /// matters more than an earlier, smaller violation. Otherwise the first violation in time order.
    public func violation(for input: HX711Input) -> HX711ReadViolation? {
        for (index, pulse) in pulses.enumerated() where pulse.highMaxNs > HX711Timing.powerDownAfterNs {
            return .poweredDown(pulse: index + 1, highNs: pulse.highMaxNs)
        }
        guard readyBeforeFirstClock else { return .notReady }
        guard readyToFirstClockNs >= HX711Timing.minReadyToClockNs else {
            return .readyTooSoon(ns: readyToFirstClockNs)
        }
        for (index, pulse) in pulses.enumerated() {
            if pulse.highMinNs < HX711Timing.minClockHighNs {
                return .clockHighTooShort(pulse: index + 1, highNs: pulse.highMinNs)
            }
            if pulse.highMaxNs > HX711Timing.maxClockHighNs {
                return .clockHighTooLong(pulse: index + 1, highNs: pulse.highMaxNs)
            }
            if let lowNs = pulse.lowMinNs, index + 1 < pulses.count, lowNs < HX711Timing.minClockLowNs {
                return .clockLowTooShort(pulse: index + 1, lowNs: lowNs)
            }
        }
        guard pulses.count == input.pulses else {
            return .wrongPulseCount(expected: input.pulses, actual: pulses.count)
        }
        return nil
    }
}

/// Why a read of the HX711 was discarded.
public enum HX711ReadViolation: Sendable, Hashable, CustomStringConvertible {
    /// DOUT was high before the first clock: no conversion was ready.
    case notReady
    /// The first clock came less than 0.1 µs after DOUT went low (T1).
    case readyTooSoon(ns: Int64)
    /// PD_SCK was high less than 0.2 µs on this pulse (T3): the chip may not have seen it.
    case clockHighTooShort(pulse: Int, highNs: Int64)
    /// PD_SCK was high more than 50 µs (T3) but not over 60 µs: out of specification, the bit is not trusted.
    case clockHighTooLong(pulse: Int, highNs: Int64)
    /// PD_SCK may have been high over 60 µs: the chip powered down and reset (its conversion is lost).
    case poweredDown(pulse: Int, highNs: Int64)
    /// PD_SCK was low less than 0.2 µs before the next pulse (T4).
    case clockLowTooShort(pulse: Int, lowNs: Int64)
    /// Not the number of pulses that selects the next conversion (25 for channel A, gain 128).
    case wrongPulseCount(expected: Int, actual: Int)
    /// DOUT was not pulled back high after the data bits: the chip did not count the pulses we sent.
    case doutLowAfterData

    /// A stable snake_case name for counters and log metadata.
    public var reason: String {
        switch self {
        case .notReady: return "not_ready"
        case .readyTooSoon: return "ready_too_soon"
        case .clockHighTooShort: return "clock_high_too_short"
        case .clockHighTooLong: return "clock_high_too_long"
        case .poweredDown: return "power_down"
        case .clockLowTooShort: return "clock_low_too_short"
        case .wrongPulseCount: return "wrong_pulse_count"
        case .doutLowAfterData: return "dout_low_after_data"
        }
    }

    /// Which datasheet limit was broken, in words for the log.
    public var description: String {
        switch self {
        case .notReady:
            return "DOUT was high before the first clock: no conversion was ready"
        case .readyTooSoon(let ns):
            return "first clock \(ns) ns after DOUT went low (at least 100 ns)"
        case .clockHighTooShort(let pulse, let ns):
            return "pulse \(pulse): clock high \(ns) ns (at least 200 ns)"
        case .clockHighTooLong(let pulse, let ns):
            return "pulse \(pulse): clock high \(ns) ns (at most 50000 ns)"
        case .poweredDown(let pulse, let ns):
            return "pulse \(pulse): clock high up to \(ns) ns (over 60000 ns powers the chip down): it reset"
        case .clockLowTooShort(let pulse, let ns):
            return "after pulse \(pulse): clock low \(ns) ns (at least 200 ns)"
        case .wrongPulseCount(let expected, let actual):
            return "\(actual) clock pulses (\(expected) select the next conversion)"
        case .doutLowAfterData:
            return "DOUT stayed low after the data bits: the chip did not see the pulses that were sent"
        }
    }
}

/// One read as clocked out: DOUT's level at each pulse and the timing of every edge.
public struct HX711Read: Sendable, Hashable {
    /// DOUT after each pulse's falling edge, in order: 24 data bits (MSB first), then the gain-select pulses.
    public var levels: [Bool]
    /// The measured timing.
    public var timing: HX711ReadTiming

    /// A read as clocked out.
    public init(levels: [Bool], timing: HX711ReadTiming) {
        self.levels = levels
        self.timing = timing
    }

    /// The 24 data bits, when at least 24 pulses were clocked.
    public var frame: HX711Frame? {
        guard levels.count >= HX711Frame.dataBits else { return nil }
        return HX711Frame(levelsMSBFirst: Array(levels.prefix(HX711Frame.dataBits)))
    }

    /// Why this read cannot be trusted (timing first, then the 25th pulse's pull-up of DOUT), or nil.
    public func violation(for input: HX711Input) -> HX711ReadViolation? {
        if let violation = timing.violation(for: input) { return violation }
        guard levels.count == timing.pulses.count else {
            return .wrongPulseCount(expected: input.pulses, actual: levels.count)
        }
        // The 25th pulse pulls DOUT high (datasheet): a low level there means the chip counted fewer pulses.
        if levels.dropFirst(HX711Frame.dataBits).contains(false) { return .doutLowAfterData }
        return nil
    }
}
