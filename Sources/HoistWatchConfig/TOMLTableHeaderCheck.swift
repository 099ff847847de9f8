import HoistWatchCore

/// Refuses a table header whose name starts with a character no key can start with (`[.wiring]`, `[!]`, `[é]`,
/// `[` at the end of a line) before TOMLKit sees it: its toml++ 3 asserts on those, and an assertion aborts the
/// process (found by `make fuzz`; `TOMLSectionTests`). Everything else is left to the parser.
///
/// A header is a `[` or `[[` where a key could start: at the start of a line, outside strings and comments and
/// outside an array value that spans lines.
enum TOMLTableHeaderCheck {
    static func check(_ text: String) throws(InputError) {
        var scanner = Scanner(bytes: Array(text.utf8))
        try scanner.run()
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        var line = 1
        /// Open `[` and `{` of the value being read: a line break inside one is no statement's end.
        var depth = 0
        var atStatementStart = true

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func run() throws(InputError) {
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case 0x0A:
                    line += 1
                    if depth == 0 { atStatementStart = true }
                    index += 1
                case 0x20, 0x09, 0x0D:
                    index += 1
                case UInt8(ascii: "#"):
                    while index < bytes.count, bytes[index] != 0x0A { index += 1 }
                case UInt8(ascii: "\""), UInt8(ascii: "'"):
                    skipString(quote: byte)
                    atStatementStart = false
                case UInt8(ascii: "[") where atStatementStart && depth == 0:
                    try checkHeader()
                    atStatementStart = false
                default:
                    if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") { depth += 1 }
                    if (byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}")) && depth > 0 { depth -= 1 }
                    atStatementStart = false
                    index += 1
                }
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
