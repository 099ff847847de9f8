/// A flight record (`{prefix}/{device_id}/record/{event_id}`: a trace, trace.md) decoded by the core's own trace
/// decoder, reduced to what a platform engineer checks first.
public struct FlightRecordSummary: Sendable, Hashable {
    /// The board, from the topic.
    public var deviceId: String
    /// The alarm's event id, from the topic.
    public var eventId: String
    /// The alarm's `type`, when the listener saw its event; nil otherwise.
    public var type: String?
    /// The header's equipment.
    public var equipment: String
    /// Input events after the header.
    public var inputEvents: Int
    /// Of them, digital edges (`line` + `level`).
    public var edges: Int
    /// Of them, ADC samples; `failedSamples` of those had `raw: null`.
    public var samples: Int, failedSamples: Int
    /// Trace time from the first to the last input event, seconds.
    public var spanS: Double
    /// The payload's size.
    public var bytes: Int

    /// Decodes `payload` line by line; throws the decoder's error (naming the line) for a record that is not a valid
    /// trace.
    public static func decode(
        deviceId: String, eventId: String, type: String?, payload: [UInt8]
    ) throws(InputError) -> FlightRecordSummary {
        var decoder = TraceDecoder()
        var summary = FlightRecordSummary(
            deviceId: deviceId, eventId: eventId, type: type, equipment: "?", inputEvents: 0, edges: 0, samples: 0,
            failedSamples: 0, spanS: 0, bytes: payload.count)
        var firstNs: Int64?
        var lastNs: Int64 = 0
        var start = 0
        while start < payload.count {
            let end = payload[start...].firstIndex(of: 0x0A) ?? payload.count
            defer { start = end + 1 }
            guard end > start else { continue }
            let event = try payload.withUnsafeBufferPointer { buffer throws(InputError) in
                try decoder.decode(UnsafeBufferPointer(rebasing: buffer[start..<end]))
            }
            guard let event else { continue }
            summary.inputEvents += 1
            firstNs = firstNs ?? event.tNs
            lastNs = event.tNs
            switch event.source {
            case .line: summary.edges += 1
            case .adc:
                summary.samples += 1
                if event.raw == nil { summary.failedSamples += 1 }
            }
        }
        guard let header = decoder.header else {
            throw InputError(.syntax, line: 1, "the flight record is empty: no trace header")
        }
        summary.equipment = header.equipment.rawValue
        summary.spanS = Double(lastNs - (firstNs ?? lastNs)) / 1e9
        return summary
    }
}
