import HoistWatchBoard

/// The HX711 as its datasheet describes it, as a value driven by the levels of its two pins and the time they
/// change: the one chip model of the tests, behind the fake libgpiod's lines (`FakeHX711`) or a scripted port.
/// Pure: whoever drives it says what time it is.
///
/// - DOUT is high until a conversion is ready, then low.
/// - A pulse of PD_SCK is seen when it falls after at least 0.2 µs high (T3) and is not one of `missedPulses`;
///   each pulse seen shifts out the next bit, MSB first, of the 24-bit two's complement conversion. (The datasheet
///   has DOUT change 0.1 µs after the rising edge; nothing samples it while PD_SCK is high, so the model shifts
///   when the pulse is complete.)
/// - The 25th pulse ends the read (channel A, gain 128): DOUT goes high and the next conversion is ready one
///   `periodNs` later.
/// - PD_SCK high for more than 60 µs powers the chip down; when it falls the chip resets (a read in progress is
///   lost) and the next conversion is ready `settlingNs` later.
public struct HX711Model: Sendable {
    /// What the chip converts.
    public enum Conversions: Sendable {
        /// The raw value of a conversion read at a time; nil: the chip does not answer then (DOUT stays high).
        case values(@Sendable (Int64) -> Int32?)
        /// 24-bit codes, one per read begun, in order; when none is left the chip never becomes ready again.
        case script([UInt32])
    }

    /// One pulse of one read, both numbered from 1.
    public struct Pulse: Hashable, Sendable {
        /// The read: the first one begun is 1.
        public var read: Int
        /// The pulse (rising edge) within that read.
        public var pulse: Int

        /// Pulse `pulse` of read `read`.
        public init(read: Int, pulse: Int) {
            self.read = read
            self.pulse = pulse
        }
    }

    /// What the chip will convert.
    public var conversions: Conversions
    /// Conversion period (10 SPS: 100 ms).
    public let periodNs: Int64
    /// The settling time after a reset (10 SPS: 400 ms) before the first conversion is ready.
    public let settlingNs: Int64
    /// Pulses the chip does not see although their timing is right (noise on the line).
    public var missedPulses: Set<Pulse> = []

    /// Reads begun: rising edges of PD_SCK that met a ready conversion.
    public private(set) var reads = 0
    /// Rising edges of PD_SCK since the read in progress began, seen or not (0 when no read is in progress).
    public private(set) var risesThisRead = 0
    /// Reads clocked out completely (25 pulses seen).
    public private(set) var conversionsRead = 0
    /// Times PD_SCK stayed high long enough to power the chip down.
    public private(set) var powerDowns = 0
    /// The pulses seen in each read once it ended (after 25, or when a power-down lost it).
    public private(set) var pulsesPerRead: [Int] = []
    /// Pulses sent while no read was in progress (no conversion ready, or the read already complete).
    public private(set) var strayPulses = 0
    /// The raw value (sign-extended from 24 bits) of every conversion whose read began, in order.
    public private(set) var valuesRead: [Int32] = []

    private var readyAtNs: Int64
    private var clockHigh = false
    private var roseAtNs: Int64 = 0
    /// The conversion being read and the pulses seen of it; nil when no read is in progress.
    private var frame: UInt32?
    private var pulsesSeen = 0

    /// A chip whose first conversion is ready at `firstReadyNs`.
    public init(conversions: Conversions, firstReadyNs: Int64, periodNs: Int64 = 100_000_000,
                settlingNs: Int64 = 400_000_000) {
        self.conversions = conversions
        self.periodNs = periodNs
        self.settlingNs = settlingNs
        readyAtNs = firstReadyNs
    }

    /// A read is in progress: a conversion was ready when PD_SCK rose, and it has not had its 25 pulses yet.
    public var isReading: Bool { frame != nil }

    /// Whether a conversion is ready at `nowNs` (DOUT low, no read in progress).
    public func isReady(atNs nowNs: Int64) -> Bool {
        guard frame == nil, nowNs >= readyAtNs else { return false }
        switch conversions {
        case .values(let value): return value(nowNs) != nil
        case .script(let codes): return !codes.isEmpty
        }
    }

    /// DOUT's level at `nowNs`: true = high.
    public func dout(atNs nowNs: Int64) -> Bool {
        guard let frame else { return !isReady(atNs: nowNs) }
        if pulsesSeen == 0 { return false }
        return frame >> UInt32(24 - pulsesSeen) & 1 == 1
    }

    /// PD_SCK goes to `high` at `nowNs`.
    public mutating func clock(high: Bool, atNs nowNs: Int64) {
        guard high != clockHigh else { return }
        clockHigh = high
        if high {
            roseAtNs = nowNs
            if frame == nil && isReady(atNs: nowNs) { begin(atNs: nowNs) }
            if frame != nil { risesThisRead += 1 }
        } else {
            fell(highNs: nowNs - roseAtNs, atNs: nowNs)
        }
    }

    private mutating func begin(atNs nowNs: Int64) {
        let code: UInt32
        switch conversions {
        case .values(let value):
            code = UInt32(bitPattern: value(nowNs) ?? 0)
        case .script(var codes):
            code = codes.removeFirst()
            conversions = .script(codes)
        }
        reads += 1
        risesThisRead = 0
        pulsesSeen = 0
        frame = code & 0xFF_FFFF
        valuesRead.append(Int32(bitPattern: code << 8) >> 8)
    }

    private mutating func fell(highNs: Int64, atNs nowNs: Int64) {
        if highNs > HX711Timing.powerDownAfterNs {
            powerDowns += 1
            if frame != nil { pulsesPerRead.append(pulsesSeen) }
            end(nextReadyNs: nowNs + settlingNs)
            return
        }
        guard frame != nil else {
            strayPulses += 1
            return
        }
        guard highNs >= HX711Timing.minClockHighNs,
              !missedPulses.contains(Pulse(read: reads, pulse: risesThisRead)) else { return }
        pulsesSeen += 1
        if pulsesSeen == 25 {
            conversionsRead += 1
            pulsesPerRead.append(25)
            end(nextReadyNs: nowNs + periodNs)
        }
    }

    /// No read in progress from now on; DOUT is high until `nextReadyNs`.
    private mutating func end(nextReadyNs: Int64) {
        frame = nil
        pulsesSeen = 0
        risesThisRead = 0
        readyAtNs = nextReadyNs
    }
}
