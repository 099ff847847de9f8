import HoistWatchCore

/// Refuses, before TOMLKit sees them, the malformed documents on which its toml++ 3 fails an assertion, which
/// aborts the process (SwiftPM builds C++ without `NDEBUG`); all found by `make fuzz` (`TOMLSectionTests`):
///
/// - a table header whose name starts with a character no key can start with (`[.wiring]`, `[!]`, `[é]`, `[` at the
///   end of a line);
/// - a `}` where an array expects a value (`[}`, `["a",` then `}` on the next line);
/// - a Unicode line or paragraph separator (U+2028, U+2029, U+0085) outside strings and comments, which TOML does
///   not allow there anyway;
/// - a date and `T` not followed by a digit in a value that has a `:` further on (`1979-05-27T(07:32:00Z`);
/// - a value that toml++ takes for a date with a space before its time but whose "time" is one digit then the
///   value's end (`5=92-05-2= 2`, `1979-05-=$ 3 s`): `DateSpaceDigit` has the exact rule.
///
/// Everything else is left to the parser. A header is a `[` or `[[` where a key could start: at the start of a line,
/// outside strings and comments and outside a value that spans lines.
enum TOMLSyntaxGuard {
    static func check(_ text: String) throws(InputError) {
        var scanner = Scanner(bytes: Array(text.utf8))
        try scanner.run()
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        var line = 1
        /// Open `[` and `{` of the value being read, innermost last: a line break inside one is no statement's end.
        var open: [UInt8] = []
        var atStatementStart = true
        /// Just after an array's `[` or a `,` in an array (blanks, line breaks and comments aside).
        var expectingArrayValue = false
        /// Just after a key's `=` (blanks aside): where toml++ reads a value.
        var expectingValue = false

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func run() throws(InputError) {
            // A byte order mark, which toml++ skips: the line after it still starts a statement.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case 0x0A:
                    line += 1
                    if open.isEmpty { atStatementStart = true }
                    expectingValue = false
                    index += 1
                case 0x20, 0x09, 0x0D:
                    index += 1
                case UInt8(ascii: "#"):
                    expectingValue = false
                    while index < bytes.count, bytes[index] != 0x0A { index += 1 }
                case UInt8(ascii: "\""), UInt8(ascii: "'"):
                    skipString(quote: byte)
                    atStatementStart = false
                    expectingArrayValue = false
                    expectingValue = false
                case UInt8(ascii: "[") where atStatementStart && open.isEmpty:
                    try checkHeader()
                    atStatementStart = false
                default:
                    try token(byte)
                    atStatementStart = false
                    index += 1
                }
            }
        }

        /// Any other byte of a statement: brackets and braces opened and closed, what an array expects next.
        private mutating func token(_ byte: UInt8) throws(InputError) {
            if expectingArrayValue && byte == UInt8(ascii: "}") {
                throw InputError(.syntax, line: line, "not valid TOML: expected a value or ']' in an array, found '}'")
            }
            if let separator = lineSeparator(at: index) {
                throw InputError(
                    .syntax, line: line,
                    "not valid TOML: a Unicode line or paragraph separator (\(separator)) outside a string or comment")
            }
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                try checkDateTime()
                if expectingValue || expectingArrayValue {
                    if DateSpaceDigit.abortsTomlpp(bytes, valueStart: index) {
                        throw InputError(
                            .syntax, line: line,
                            "not valid TOML: a value read as a date, then a space and a single digit as its time")
                    }
                }
            }
            expectingArrayValue = false
            expectingValue = false
            switch byte {
            case UInt8(ascii: "="):
                expectingValue = true
            case UInt8(ascii: "["):
                open.append(byte)
                expectingArrayValue = true
            case UInt8(ascii: "{"):
                open.append(byte)
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                if !open.isEmpty { open.removeLast() }
            case UInt8(ascii: ","):
                expectingArrayValue = open.last == UInt8(ascii: "[")
            default:
                break
            }
        }

        /// At a digit: `DDDD-DD-DDT` (or `t`) then no digit, in a value with a `:` before its end, is refused.
        private func checkDateTime() throws(InputError) {
            if index > 0, isBareKeyByte(bytes[index - 1]) { return }
            let pattern: [UInt8?] = [nil, nil, nil, nil, UInt8(ascii: "-"), nil, nil, UInt8(ascii: "-"), nil, nil]
            guard index + pattern.count < bytes.count else { return }
            for (offset, expected) in pattern.enumerated() {
                let byte = bytes[index + offset]
                if let expected { guard byte == expected else { return } } else { guard isDigit(byte) else { return } }
            }
            let separator = bytes[index + pattern.count]
            guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") else { return }
            let next = index + pattern.count + 1
            guard next < bytes.count, !isDigit(bytes[next]) else { return }
            var end = next
            while end < bytes.count, !" \t\r\n],}#".utf8.contains(bytes[end]) {
                if bytes[end] == UInt8(ascii: ":") {
                    throw InputError(
                        .syntax, line: line, "not valid TOML: a date-time needs the time's digits right after its 'T'")
                }
                end += 1
            }
        }

        private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        private func isBareKeyByte(_ byte: UInt8) -> Bool {
            isDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "-")
        }

        /// U+2028, U+2029 (E2 80 A8, E2 80 A9) or U+0085 (C2 85) starting at `at`, named; nil for anything else.
        private func lineSeparator(at start: Int) -> String? {
            if bytes[start] == 0xC2, start + 1 < bytes.count, bytes[start + 1] == 0x85 { return "U+0085" }
            guard bytes[start] == 0xE2, start + 2 < bytes.count, bytes[start + 1] == 0x80 else { return nil }
            switch bytes[start + 2] {
            case 0xA8: return "U+2028"
            case 0xA9: return "U+2029"
            default: return nil
            }
        }

        /// At a header's `[`: the first character of its name (after `[[` and blanks) must start a key.
        private mutating func checkHeader() throws(InputError) {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "[") { index += 1 }
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
            guard index < bytes.count else { return }
            let first = bytes[index]
            let startsKey =
                (first >= UInt8(ascii: "a") && first <= UInt8(ascii: "z"))
                || (first >= UInt8(ascii: "A") && first <= UInt8(ascii: "Z"))
                || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9"))
                || first == UInt8(ascii: "_") || first == UInt8(ascii: "-") || first == UInt8(ascii: "\"")
                || first == UInt8(ascii: "'") || first == UInt8(ascii: "]")
            guard startsKey else {
                throw InputError(
                    .syntax, line: line,
                    "not valid TOML: a table name must start with a letter, a digit, '-', '_' or a quote")
            }
        }

        /// Past a basic or literal string, one-line or multi-line (counting its line breaks).
        private mutating func skipString(quote: UInt8) {
            let multiLine =
                index + 2 < bytes.count && bytes[index + 1] == quote && bytes[index + 2] == quote
            index += multiLine ? 3 : 1
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\\") && quote == UInt8(ascii: "\"") {
                    if index + 1 < bytes.count, bytes[index + 1] == 0x0A { line += 1 }
                    index += 2
                    continue
                }
                if byte == 0x0A {
                    // A one-line string ends at the line's end (the parser then reports it unterminated).
                    if !multiLine { return }
                    line += 1
                }
                if byte == quote {
                    if !multiLine {
                        index += 1
                        return
                    }
                    if index + 2 < bytes.count, bytes[index + 1] == quote, bytes[index + 2] == quote {
                        index += 3
                        // A multi-line string may end in up to two more quotes of its own.
                        while index < bytes.count, bytes[index] == quote { index += 1 }
                        return
                    }
                }
                index += 1
            }
        }
    }
}
