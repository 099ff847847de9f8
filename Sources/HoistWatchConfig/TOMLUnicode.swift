/// The Unicode classes toml++ 3 (inside TOMLKit) reads a document by, on its UTF-8 bytes, for `TOMLSyntaxGuard`:
/// what it takes for blanks and for the end of a value (`is_horizontal_whitespace`, `is_value_terminator` in
/// toml.hpp).
enum TOMLUnicode {
    /// The scalar at `start` and its length in bytes; nil at the end or on bytes that are no UTF-8 (which toml++
    /// refuses with an error of its own).
    static func scalar(in bytes: [UInt8], at start: Int) -> (value: UInt32, length: Int)? {
        guard start < bytes.count else { return nil }
        let lead = bytes[start]
        let length: Int
        var value: UInt32
        switch lead {
        case 0x00..<0x80: return (UInt32(lead), 1)
        case 0xC2..<0xE0: (length, value) = (2, UInt32(lead & 0x1F))
        case 0xE0..<0xF0: (length, value) = (3, UInt32(lead & 0x0F))
        case 0xF0..<0xF5: (length, value) = (4, UInt32(lead & 0x07))
        default: return nil
        }
        guard start + length <= bytes.count else { return nil }
        for byte in bytes[(start + 1)..<(start + length)] {
            guard byte & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        return (value, length)
    }

    /// toml++'s `is_horizontal_whitespace`: tab, space and the Unicode blanks it adds to them.
    static func isHorizontalBlank(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0x09, 0x20, 0xA0, 0x1680, 0x180E, 0x2000...0x200B, 0x202F, 0x205F, 0x2060, 0x3000, 0xFEFF: true
        default: false
        }
    }

    /// toml++'s `is_value_terminator`: any blank or line break (U+000A to U+000D, U+0085, U+2028, U+2029), `]`,
    /// `}`, `,` or `#`.
    static func endsValue(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0x0A...0x0D, 0x85, 0x2028, 0x2029, 0x5D, 0x7D, 0x2C, 0x23: true
        default: isHorizontalBlank(scalar)
        }
    }

}
