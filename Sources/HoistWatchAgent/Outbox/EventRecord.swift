import FoundationEssentials
import HoistWatchCore

/// How the outbox stores an event: its fields (`Event`'s `Codable` form, as JSON), so that what is sent is rendered
/// from them (`OutboxEntry.payloadToSend(isBacklog:)`) with the outbox's `seq` and corrected time and the link's
/// `historical` flag.
enum EventRecord {
    /// A reading that is not a finite number is stored as text and comes back as the same number (the payload
    /// then shows it as `null`, as it would have live).
    private static let nonFinite = (positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")

    /// The stored bytes of `event`.
    static func encode(_ event: Event) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: nonFinite.positiveInfinity, negativeInfinity: nonFinite.negativeInfinity,
            nan: nonFinite.nan)
        // Strings, integers, booleans and (with the strategy above) every double encode; nothing else is in an event.
        return (try? Array(encoder.encode(event))) ?? []
    }

    /// The event back from its stored bytes; nil when they are not an event record.
    static func decode(_ bytes: [UInt8]) -> Event? {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: nonFinite.positiveInfinity, negativeInfinity: nonFinite.negativeInfinity,
            nan: nonFinite.nan)
        return try? decoder.decode(Event.self, from: Data(bytes))
    }
}
