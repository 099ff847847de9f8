/// One conversion of the HX711 load-cell ADC as it leaves the chip: 24 data bits, MSB first, in two's complement
/// (datasheet "Output Data Rate and Format"; docs/hx711.md).
///
/// The chip saturates at 0x800000 (MIN) and 0x7FFFFF (MAX) while the bridge signal is outside its range: those
/// two codes say "out of range", not a load, and become failed samples (`raw: null`).
public struct HX711Frame: Sendable, Hashable, CustomStringConvertible {
    /// Number of data bits per conversion.
    public static let dataBits = 24
    /// The code the chip holds while the input is below its range (MIN).
    public static let saturatedLow: UInt32 = 0x80_0000
    /// The code the chip holds while the input is above its range (MAX).
    public static let saturatedHigh: UInt32 = 0x7F_FFFF
    private static let mask: UInt32 = 0xFF_FFFF

    /// The 24 bits as shifted out (bit 23 first); the upper 8 bits are always zero.
    public let bits: UInt32

    /// A frame from its 24 bits; anything above bit 23 is a programmer error.
    public init(bits: UInt32) {
        precondition(bits & ~Self.mask == 0, "an HX711 frame has 24 bits, got 0x\(String(bits, radix: 16))")
        self.bits = bits
    }

    /// A frame from the levels DOUT showed on the 24 data clock pulses, first pulse (the MSB) first.
    public init(levelsMSBFirst levels: [Bool]) {
        precondition(levels.count == Self.dataBits, "an HX711 frame has 24 bits, got \(levels.count)")
        var bits: UInt32 = 0
        for level in levels { bits = bits << 1 | (level ? 1 : 0) }
        self.bits = bits
    }

    /// A frame from the value the Linux IIO driver (`drivers/iio/adc/hx711.c`) reports in `in_voltageN_raw`: it
    /// flips bit 23 of the chip's code (`value ^= 0x800000`), so its 0...16777215 is offset binary with 8388608 at
    /// zero input. Nil for values outside 24 bits, which the driver never reports.
    public init?(iioOffsetBinary value: UInt32) {
        guard value & ~Self.mask == 0 else { return nil }
        self.bits = value ^ 0x80_0000
    }

    /// The signed reading, -8388608...8388607 (bit 23 sign-extended).
    public var value: Int32 { Int32(bitPattern: bits << 8) >> 8 }

    /// True for the two codes the chip holds while its input is out of range.
    public var isSaturated: Bool { bits == Self.saturatedLow || bits == Self.saturatedHigh }

    /// The reading as trace.md's `raw`: nil when saturated (out of range counts as a failed read).
    public var raw: Int32? { isSaturated ? nil : value }

    /// The frame for a log line: its 24 bits in hex and the value they decode to.
    public var description: String {
        let hex = String(bits, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: 6 - hex.count) + hex + " (\(value))"
    }
}

/// Which input and gain the HX711 converts next, chosen by the number of clock pulses of the current read
/// (datasheet Table 3). A power-down or reset returns the chip to channel A, gain 128.
public enum HX711Input: Sendable, Hashable, CaseIterable {
    /// Channel A, gain 128 (±20 mV full scale at AVDD 5 V): the load cell. 25 pulses.
    case channelAGain128
    /// Channel B, gain 32. 26 pulses.
    case channelBGain32
    /// Channel A, gain 64. 27 pulses.
    case channelAGain64

    /// PD_SCK pulses per read: 24 data bits plus 1 to 3 that select the next conversion.
    public var pulses: Int {
        switch self {
        case .channelAGain128: return 25
        case .channelBGain32: return 26
        case .channelAGain64: return 27
        }
    }
}
