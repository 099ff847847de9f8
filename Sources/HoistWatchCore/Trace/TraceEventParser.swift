/// Parses one trace event line (`{"t_ns":…,"line":…,"level":…}` or `{"t_ns":…,"adc":…,"raw":…}`) straight from bytes.
///
/// A hand-written scanner rather than Foundation's JSON: replay must turn over a million lines a second. It still
/// accepts any valid JSON object layout (whitespace, key order, unknown keys of any type, which it skips).
public enum TraceEventParser {
    /// The largest `t_ns` a trace may hold: 9.1e18 ns (288 years; trace.md sets no bound). What the engine adds to
    /// an input's time (a tick of 10 ms, confirm and clear times, windows) must stay within an Int64; this leaves
    /// 1.2e17 ns (3.9 years) for it. A time beyond it is an error naming the line, not an overflow trap.
    public static let maxTNs: Int64 = 9_100_000_000_000_000_000

    /// Why a line was refused; the decoder adds the line number.
    public struct Failure: Error, Sendable {
        /// What is wrong with the line, in words.
        public var reason: String
    }

    private static let inputsByLength: [[(bytes: [UInt8], input: InputName)]] = {
        var table = Array(repeating: [(bytes: [UInt8], input: InputName)](), count: 32)
        for input in InputName.allCases {
            let bytes = Array(input.wireName.utf8)
            table[bytes.count].append((bytes, input))
        }
        return table
    }()

    /// Parses `line` (without its newline). Equipment checks are the decoder's job.
    public static func parse(_ line: UnsafeBufferPointer<UInt8>) throws(Failure) -> ParsedEvent {
        var scanner = Scanner(base: line.baseAddress, end: line.count, index: 0)
        return try scanner.event()
    }

    /// What a line said, before equipment checks.
    public struct ParsedEvent: Sendable {
        /// `t_ns`: trace time, ns.
        public var tNs: Int64
        /// The `line` or `adc` the event names.
        public var source: InputEvent.Source
        /// The `level` (0 or 1), or the `raw` ADC value (`InputEvent.failedReadSentinel` for `null`).
        public var value: Int32
    }

    fileprivate static func lookupInput(_ base: UnsafePointer<UInt8>, _ start: Int, _ count: Int) -> InputName? {
        guard count < inputsByLength.count else { return nil }
        outer: for candidate in inputsByLength[count] {
            for offset in 0..<count where candidate.bytes[offset] != base[start + offset] { continue outer }
            return candidate.input
        }
        return nil
    }
}

private struct Scanner {
    let base: UnsafePointer<UInt8>?
    let end: Int
    var index: Int

    private typealias Failure = TraceEventParser.Failure

    private func fail(_ reason: String) -> Failure { Failure(reason: reason) }

    private func peek() -> UInt8? { index < end ? base![index] : nil }

    private mutating func skipSpace() {
        while index < end {
            switch base![index] {
            case 0x20, 0x09, 0x0D, 0x0A: index += 1
            default: return
            }
        }
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(Failure) {
        skipSpace()
        guard peek() == byte else { throw fail("not a JSON object: expected \(what)") }
        index += 1
    }

    /// Reads a string's raw bytes (start, count); `escaped` tells whether it contained a backslash.
    private mutating func stringSpan() throws(Failure) -> (start: Int, count: Int, escaped: Bool) {
        guard peek() == UInt8(ascii: "\"") else { throw fail("not a JSON object: expected a string") }
        index += 1
        let start = index
        var escaped = false
        while index < end {
            let byte = base![index]
            if byte == UInt8(ascii: "\"") {
                let span = (start, index - start, escaped)
                index += 1
                return span
            }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                index += 1
            }
            index += 1
        }
        throw fail("not a JSON object: unterminated string")
    }

    private func spanEquals(_ start: Int, _ count: Int, _ literal: StaticString) -> Bool {
        guard count == literal.utf8CodeUnitCount else { return false }
        let bytes = literal.utf8Start
        for offset in 0..<count where bytes[offset] != base![start + offset] { return false }
        return true
    }

    /// Reads a JSON integer; fractions and exponents are refused (times and counts are integers).
    private mutating func integer(_ key: String) throws(Failure) -> Int64 {
        var negative = false
        if peek() == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var value: Int64 = 0
        var digits = 0
        while index < end, base![index] >= 0x30, base![index] <= 0x39 {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (plus, overflow2) = times.addingReportingOverflow(Int64(base![index] - 0x30))
            if overflow1 || overflow2 { throw fail("\(key) is out of range") }
            value = plus
            digits += 1
            index += 1
        }
        if let next = peek(), next == UInt8(ascii: ".") || next == UInt8(ascii: "e") || next == UInt8(ascii: "E") {
            throw fail("\(key) must be an integer")
        }
        guard digits > 0 else { throw fail("\(key) must be an integer") }
        return negative ? -value : value
    }

    private mutating func literal(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard end - index >= count else { return false }
        for offset in 0..<count where text.utf8Start[offset] != base![index + offset] { return false }
        index += count
        return true
    }

    /// Skips any JSON value (for unknown keys), nested ones included.
    private mutating func skipValue() throws(Failure) {
        skipSpace()
        guard let byte = peek() else { throw fail("not a JSON object: missing value") }
        switch byte {
        case UInt8(ascii: "\""):
            _ = try stringSpan()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while index < end {
                let current = base![index]
                if current == UInt8(ascii: "\"") {
                    _ = try stringSpan()
                    continue
                }
                if current == UInt8(ascii: "{") || current == UInt8(ascii: "[") { depth += 1 }
                if current == UInt8(ascii: "}") || current == UInt8(ascii: "]") {
                    depth -= 1
                    if depth == 0 {
                        index += 1
                        return
                    }
                }
                index += 1
            }
            throw fail("not a JSON object: unterminated value")
        default:
            let start = index
            while index < end {
                let current = base![index]
                if current == UInt8(ascii: ",") || current == UInt8(ascii: "}") || current == 0x20 || current == 0x09 {
                    break
                }
                index += 1
            }
            if index == start { throw fail("not a JSON object: missing value") }
        }
    }

    mutating func event() throws(TraceEventParser.Failure) -> TraceEventParser.ParsedEvent {
        try expect(UInt8(ascii: "{"), "'{'")
        var tNs: Int64?
        var lineInput: InputName?
        var adcNamed = false
        var level: Int64?
        var raw: Int64?
        var rawSeen = false
        skipSpace()
        if peek() == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                skipSpace()
                let key = try stringSpan()
                try expect(UInt8(ascii: ":"), "':' after a key")
                skipSpace()
                if !key.escaped && spanEquals(key.start, key.count, "t_ns") {
                    tNs = try integer("t_ns")
                } else if !key.escaped && spanEquals(key.start, key.count, "line") {
                    guard peek() == UInt8(ascii: "\"") else { throw fail("line must be a string") }
                    let name = try stringSpan()
                    guard !name.escaped, let input = TraceEventParser.lookupInput(base!, name.start, name.count) else {
                        let text = String(
                            decoding: UnsafeBufferPointer(start: base! + name.start, count: name.count), as: UTF8.self)
                        throw fail("line \"\(text)\" is not a known input")
                    }
                    lineInput = input
                } else if !key.escaped && spanEquals(key.start, key.count, "level") {
                    level = try integer("level")
                } else if !key.escaped && spanEquals(key.start, key.count, "adc") {
                    guard peek() == UInt8(ascii: "\"") else { throw fail("adc must be a string") }
                    let name = try stringSpan()
                    guard !name.escaped, spanEquals(name.start, name.count, "load") else {
                        let text = String(
                            decoding: UnsafeBufferPointer(start: base! + name.start, count: name.count), as: UTF8.self)
                        throw fail("adc \"\(text)\" is not a known ADC channel")
                    }
                    adcNamed = true
                } else if !key.escaped && spanEquals(key.start, key.count, "raw") {
                    rawSeen = true
                    if literal("null") { raw = nil } else { raw = try integer("raw") }
                } else {
                    try skipValue()
                }
                skipSpace()
                guard let next = peek() else { throw fail("not a JSON object: missing '}'") }
                index += 1
                if next == UInt8(ascii: "}") { break }
                guard next == UInt8(ascii: ",") else { throw fail("not a JSON object: expected ',' or '}'") }
            }
        }
        skipSpace()
        guard index == end else { throw fail("unexpected text after the JSON object") }
        guard let tNs else { throw fail("event has no t_ns") }
        guard tNs >= 0 else { throw fail("t_ns must not be negative") }
        guard tNs <= TraceEventParser.maxTNs else {
            throw fail("t_ns must be at most \(TraceEventParser.maxTNs) (288 years)")
        }
        if let lineInput {
            guard !adcNamed else { throw fail("an event names either a line or an adc, not both") }
            guard let level else { throw fail("line event has no level") }
            guard level == 0 || level == 1 else { throw fail("level must be 0 or 1, got \(level)") }
            return .init(tNs: tNs, source: .line(lineInput), value: Int32(level))
        }
        guard adcNamed else { throw fail("event has neither a line nor an adc") }
        guard rawSeen else { throw fail("adc event has no raw") }
        if let raw {
            guard raw > -(1 << 31), raw < (1 << 31) else { throw fail("raw \(raw) is out of range") }
            return .init(tNs: tNs, source: .adc(.load), value: Int32(raw))
        }
        return .init(tNs: tNs, source: .adc(.load), value: InputEvent.failedReadSentinel)
    }
}
