/// Turns input events into trace lines (trace.md), the inverse of `TraceDecoder`.
public enum TraceEncoder {
    /// A little over the longest usual line (`{"t_ns":123456789012,"line":"door_closed","level":1}`).
    static let bytesPerLineEstimate = 56
    /// Appends one event line, with its newline, to `out`.
    public static func append(_ event: InputEvent, to out: inout JSONText) {
        out.raw("{\"t_ns\":")
        out.int(event.tNs)
        switch event.source {
        case .line(let input):
            out.raw(",\"line\":\"")
            out.bytes.append(contentsOf: input.wireName.utf8)
            out.raw("\",\"level\":")
            out.int(Int64(event.value))
        case .adc(let channel):
            out.raw(",\"adc\":\"")
            out.bytes.append(contentsOf: channel.wireName.utf8)
            out.raw("\",\"raw\":")
            if let raw = event.raw { out.int(Int64(raw)) } else { out.raw("null") }
        }
        out.raw("}\n")
    }

    /// A whole trace (header and events) as text; for flight records and tests. A flight record can be a few MB
    /// (58,000 events for a fast car's 15 s): the buffer is sized once for the events (about 46 bytes a line)
    /// instead of doubling its way up, which copied it a dozen times and briefly needed one and a half times
    /// its size again.
    public static func encode(header: TraceHeader, events: some Sequence<InputEvent>) -> [UInt8] {
        var out = JSONText(reservingCapacity: 4096 + events.underestimatedCount * bytesPerLineEstimate)
        out.bytes.append(contentsOf: header.encoded())
        out.bytes.append(0x0A)
        for event in events { append(event, to: &out) }
        return out.bytes
    }
}
