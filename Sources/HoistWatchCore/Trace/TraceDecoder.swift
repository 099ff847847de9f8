/// Checks a trace line by line as trace.md says: header first, then events in time order naming the header's inputs.
///
/// Pure: the caller feeds it lines (without newline) from wherever they come and gets events or an `InputError`
/// carrying the 1-based line number and the reason.
public struct TraceDecoder: Sendable {
    /// The header, once line 1 was decoded.
    public private(set) var header: TraceHeader?
    /// The number of the last line decoded.
    public private(set) var lineNumber = 0
    private var lastTNs: Int64 = 0
    private var inputAllowed = [Bool](repeating: false, count: InputName.allCases.count)

    /// A decoder expecting the header on its first line.
    public init() {}

    /// Decodes the next line: the header on line 1, an event after. Returns nil for the header line.
    public mutating func decode(_ line: UnsafeBufferPointer<UInt8>) throws(InputError) -> InputEvent? {
        lineNumber += 1
        var trimmed = line
        if let last = trimmed.last, last == 0x0D { trimmed = UnsafeBufferPointer(rebasing: trimmed.dropLast()) }
        guard let header else {
            let parsed = try TraceHeader.parse(trimmed)
            self.header = parsed
            for input in parsed.equipment.digitalInputs { inputAllowed[Int(input.rawValue)] = true }
            return nil
        }
        let parsed: TraceEventParser.ParsedEvent
        do {
            parsed = try TraceEventParser.parse(trimmed)
        } catch {
            throw InputError(.syntax, line: lineNumber, error.reason)
        }
        if case .line(let input) = parsed.source, !inputAllowed[Int(input.rawValue)] {
            throw InputError(
                .invalidValue, line: lineNumber,
                "\"\(input.wireName)\" is not an input of a \(header.equipment.rawValue)")
        }
        guard parsed.tNs >= lastTNs else {
            throw InputError(
                .outOfOrder, line: lineNumber,
                "t_ns \(parsed.tNs) is smaller than the line before it (\(lastTNs))")
        }
        lastTNs = parsed.tNs
        return InputEvent(tNs: parsed.tNs, source: parsed.source, value: parsed.value)
    }

    /// Decodes a line given as bytes (convenience for tests and small inputs).
    public mutating func decode(_ line: some StringProtocol) throws(InputError) -> InputEvent? {
        var bytes = Array(line.utf8)
        return try bytes.withUnsafeMutableBufferPointer { buffer throws(InputError) in
            try decode(UnsafeBufferPointer(buffer))
        }
    }
}
