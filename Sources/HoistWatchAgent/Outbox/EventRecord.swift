import FoundationEssentials
import HoistWatchCore

/// How the outbox stores an event: its fields (`Event`'s `Codable` form, as JSON), so that what is sent is rendered
/// from them (`OutboxEntry.payloadToSend(isBacklog:)`) with the outbox's `seq` and corrected time and the link's
/// `historical` flag.
enum EventRecord {
    /// The stored bytes of `event`.
    static func encode(_ event: Event) -> [UInt8] {
        // Encoding plain strings, integers, booleans and finite doubles cannot fail; a non-finite reading would,
        // and is stored as its payload would show it (null) rather than trapping.
        (try? Array(JSONEncoder().encode(event))) ?? Array(Self.fallback(event).utf8)
    }

    /// The event back from its stored bytes; nil when they are not an event record.
    static func decode(_ bytes: [UInt8]) -> Event? {
        try? JSONDecoder().decode(Event.self, from: Data(bytes))
    }

    private static func fallback(_ event: Event) -> String {
        var copy = event
        copy.data = EventData()
        return (try? String(decoding: JSONEncoder().encode(copy), as: UTF8.self)) ?? "{}"
    }
}
