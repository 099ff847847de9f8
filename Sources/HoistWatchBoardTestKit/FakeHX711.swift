/// An HX711 behind two lines of a `FakeGpioBoard` (`attach`), as the datasheet describes it: DOUT low when a
/// conversion is ready (every `periodNs`), each PD_SCK rising edge shifts out the next bit (MSB first, 24-bit two's
/// complement), the 25th pulse ends the read (channel A, gain 128) and starts the next conversion; PD_SCK high for
/// more than 60 µs powers it down, and it answers again `settlingNs` after PD_SCK went low. Time is the board's
/// clock (the fake's virtual one, or the real one on a paced board).
///
/// Its state is used under the board's lock only (the fake C functions call it); read it with `board.inspect`.
public final class FakeHX711: @unchecked Sendable {
    // @unchecked Sendable: mutable state is only touched under the owning FakeGpioBoard's lock.

    /// The chip's label and the two line offsets.
    public let chip: String
    public let doutLine: UInt32
    public let sckLine: UInt32
    /// Conversion period (100 ms: 10 SPS) and the settling time after a power-down (400 ms).
    public let periodNs: Int64
    public let settlingNs: Int64
    /// The raw value of a conversion read at a time; nil: the chip does not answer (DOUT stays high).
    private let value: @Sendable (Int64) -> Int32?

    private var nextReadyNs: Int64 = .max
    private var pulses = 0
    private var frame: UInt32 = 0
    private var clockHigh = false
    private var roseAtNs: Int64 = 0
    /// Conversions clocked out completely (25 pulses).
    public private(set) var conversionsRead = 0
    /// Times PD_SCK stayed high long enough to power the chip down.
    public private(set) var powerDowns = 0
    /// The raw value of every conversion whose read began, in order.
    public private(set) var valuesRead: [Int32] = []

    /// A chip on `chip`'s lines `doutLine`/`sckLine`, converting `value` at each conversion's time.
    public init(chip: String, doutLine: UInt32, sckLine: UInt32, periodNs: Int64 = 100_000_000,
                settlingNs: Int64 = 400_000_000, value: @escaping @Sendable (Int64) -> Int32?) {
        self.chip = chip
        self.doutLine = doutLine
        self.sckLine = sckLine
        self.periodNs = periodNs
        self.settlingNs = settlingNs
        self.value = value
    }

    func attached(atNs nowNs: Int64) {
        nextReadyNs = nowNs + periodNs
    }

    private func ready(atNs nowNs: Int64) -> Bool { nowNs >= nextReadyNs && value(nowNs) != nil }

    /// DOUT's electrical level now.
    func dout(atNs nowNs: Int64) -> UInt8 {
        if pulses == 0 { return ready(atNs: nowNs) ? 0 : 1 }
        return UInt8(truncatingIfNeeded: frame >> UInt32(24 - pulses)) & 1
    }

    /// PD_SCK changed.
    func clock(high: Bool, atNs nowNs: Int64) {
        guard high != clockHigh else { return }
        clockHigh = high
        if high {
            roseAtNs = nowNs
            guard pulses > 0 || ready(atNs: nowNs) else { return }
            if pulses == 0 {
                let raw = value(nowNs) ?? 0
                frame = UInt32(bitPattern: raw) & 0xFF_FFFF
                valuesRead.append(raw)
            }
            pulses += 1
            if pulses == 25 {
                pulses = 0
                conversionsRead += 1
                nextReadyNs = nowNs + periodNs
            }
        } else if nowNs - roseAtNs > 60_000 {
            pulses = 0
            powerDowns += 1
            nextReadyNs = nowNs + settlingNs
        }
    }
}
