import HoistWatchBoard
import HoistWatchCore
import Testing

/// Decoding the HX711's 24-bit output (datasheet "Output Data Rate and Format": two's complement, saturating at
/// 800000h MIN and 7FFFFFh MAX), from bit-level sequences as DOUT shows them, MSB first.
@Suite struct HX711FrameTests {
    /// 24 levels from a bit string, MSB first; spaces and underscores are for reading.
    static func levels(_ bits: String) -> [Bool] {
        let digits = bits.filter { $0 == "0" || $0 == "1" }
        precondition(digits.count == 24)
        return digits.map { $0 == "1" }
    }

    @Test(arguments: [
        // DOUT on pulses 1...24                 code        value      raw (nil = failed read)
        ("1000_0000 0000_0000 0000_0000", 0x80_0000, -8_388_608, nil as Int32?),  // MIN: input below range
        ("0111_1111 1111_1111 1111_1111", 0x7F_FFFF, 8_388_607, nil),  // MAX: input above range
        ("1111_1111 1111_1111 1111_1111", 0xFF_FFFF, -1, -1),  // -1 LSB
        ("0000_0000 0000_0000 0000_0001", 0x00_0001, 1, 1),  // +1 LSB
        ("0000_0000 0000_0000 0000_0000", 0x00_0000, 0, 0),  // zero differential input
        ("1000_0000 0000_0000 0000_0001", 0x80_0001, -8_388_607, -8_388_607),  // just inside MIN
        ("0111_1111 1111_1111 1111_1110", 0x7F_FFFE, 8_388_606, 8_388_606),  // just inside MAX
        ("0000_0001 1110_0010 0100_0000", 0x01_E240, 123_456, 123_456),  // a load on the cell
        ("1111_1110 0001_1101 1100_0000", 0xFE_1DC0, -123_456, -123_456),  // the same, negative
    ])
    func decodesTwoComplementAndRefusesSaturation(bits: String, code: UInt32, value: Int32, raw: Int32?) {
        let frame = HX711Frame(levelsMSBFirst: Self.levels(bits))
        #expect(frame.bits == code)
        #expect(frame == HX711Frame(bits: code))
        #expect(frame.value == value)
        #expect(frame.raw == raw)
        #expect(frame.isSaturated == (raw == nil))
    }

    @Test func everyValueRoundTripsThroughItsBitsAndStaysClearOfTheFailedReadSentinel() {
        var random = SplitMix64(seed: 711)
        for _ in 0..<10_000 {
            let bits = UInt32(truncatingIfNeeded: random.next()) & 0xFF_FFFF
            let frame = HX711Frame(bits: bits)
            #expect((-8_388_608...8_388_607).contains(frame.value))
            #expect(UInt32(bitPattern: frame.value) & 0xFF_FFFF == bits)
            #expect(frame.value != InputEvent.failedReadSentinel)
            let levels = (0..<24).map { bits >> UInt32(23 - $0) & 1 == 1 }
            #expect(HX711Frame(levelsMSBFirst: levels) == frame)
        }
    }

    @Test(arguments: [
        // in_voltage0_raw   value (nil = saturated)
        (UInt32(0x80_0000), 0 as Int32?),  // zero input
        (0x80_0001, 1),
        (0x7F_FFFF, -1),
        (0x00_0001, -8_388_607),
        (0x00_0000, nil),  // chip code 800000h (MIN)
        (0xFF_FFFF, nil),  // chip code 7FFFFFh (MAX)
    ])
    func iioRawIsOffsetBinary(iio: UInt32, raw: Int32?) throws {
        let frame = try #require(HX711Frame(iioOffsetBinary: iio))
        #expect(frame.raw == raw)
    }

    @Test func iioValuesBeyond24BitsAreNotFrames() {
        #expect(HX711Frame(iioOffsetBinary: 0x100_0000) == nil)
        #expect(HX711Frame(iioOffsetBinary: UInt32.max) == nil)
    }

    @Test func descriptionShowsTheCodeAndTheValue() {
        #expect(HX711Frame(bits: 0xFF_FFFF).description == "0xFFFFFF (-1)")
        #expect(HX711Frame(bits: 0x00_0001).description == "0x000001 (1)")
    }

    @Test func pulsesSelectTheNextInput() {
        #expect(HX711Input.allCases.map(\.pulses) == [25, 26, 27])
    }
}
