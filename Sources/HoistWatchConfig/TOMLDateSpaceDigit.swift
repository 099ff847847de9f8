/// The values on which toml++ 3 (inside TOMLKit) fails the assertion `!is_value_terminator(*cp)` at the start of
/// `parse_value`'s scan (toml.hpp line 15080, found by `make fuzz`: `5=92-05-2= 2`, `1979-05-=$ 3 s`), as toml.hpp
/// reads a value that starts with a digit (`parse_value`, `scan`):
///
/// 1. it scans up to the value's end (`TOMLUnicode.endsValue`, or 127 scalars), keeping every scalar but `_`;
/// 2. if that kept exactly 10 scalars, the 5th and 8th are `-`, their traits are digits and `-` alone (no `+`, `.`,
///    `:`, `t`, `z`, and none of the `b`, `o`, `x`, `e`, `p` it reads as a number's base or exponent), and a space
///    (U+0020 only) follows, it takes the value for a date with a space before its time: it reads the space and,
///    when a digit follows, that digit, then scans on, asserting it is not at a value's end;
/// 3. so the assertion fails when the scalar after that digit ends a value (a blank, a line break, `]`, `}`, `,`,
///    `#`); at the document's end it does not.
///
/// Such text is never valid TOML (a value then a space then a digit), so refusing it takes nothing from a valid file.
enum DateSpaceDigit {
    /// Whether toml++ fails that assertion reading a value that starts at `valueStart` (a digit).
    static func abortsTomlpp(_ bytes: [UInt8], valueStart: Int) -> Bool {
        var kept: [UInt32] = []
        var traits = Traits()
        var index = valueStart
        var scanned = 0
        while let (scalar, length) = TOMLUnicode.scalar(in: bytes, at: index) {
            // The first scalar (the digit) is taken without looking; every later one only if it does not end it.
            if scanned > 0 && (scanned == 127 || TOMLUnicode.endsValue(scalar)) { break }
            if scalar != UInt32(UInt8(ascii: "_")) {
                kept.append(scalar)
                traits.add(scalar, count: kept.count)
            }
            index += length
            scanned += 1
        }
        guard kept.count == 10, kept[4] == UInt32(UInt8(ascii: "-")), kept[7] == UInt32(UInt8(ascii: "-")),
            traits.onlyDigitsAndMinus, index < bytes.count, bytes[index] == 0x20
        else { return false }
        // The space, then a digit, then what the second scan starts on.
        guard let (digit, _) = TOMLUnicode.scalar(in: bytes, at: index + 1), isDigit(digit),
            let (after, _) = TOMLUnicode.scalar(in: bytes, at: index + 2)
        else { return false }
        return TOMLUnicode.endsValue(after)
    }

    private static func isDigit(_ scalar: UInt32) -> Bool { scalar >= 0x30 && scalar <= 0x39 }

    /// The value traits toml.hpp's `scan` collects, in its order (`e` counts only before any `-`).
    private struct Traits {
        var minus = false
        /// Any of `+`, `.`, `:`, `t`, `z`, a base (`0b`, `0o`, `0x`), an exponent (`e`, `p` after `0x`).
        var other = false
        var beginsZero = false
        var hasX = false

        var onlyDigitsAndMinus: Bool { minus && !other }

        mutating func add(_ scalar: UInt32, count: Int) {
            if count == 1 { beginsZero = scalar == 0x30 }
            switch scalar {
            case 0x2B, 0x2E, 0x3A: other = true  // + . :
            case 0x2D: minus = true
            case 0x41...0x5A, 0x61...0x7A:
                switch scalar | 0x20 {
                case 0x62, 0x6F:  // b, o: as the second scalar after a 0
                    if count == 2 && beginsZero { other = true }
                case 0x78:  // x: as the second scalar after a 0 (a value starting with a digit has no sign)
                    if count == 2 && beginsZero { (other, hasX) = (true, true) }
                case 0x65:  // e: an exponent when no sign came before it (the rest already count as other)
                    if !minus { other = true }
                case 0x70:  // p: a hex float's exponent
                    if hasX { other = true }
                case 0x74, 0x7A: other = true  // t, z
                default: break
                }
            default:
                break
            }
        }
    }
}
