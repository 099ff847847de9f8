/// Which of the link's two send lanes an outbox entry takes: events and status messages, or the parts of flight
/// records. Each lane has its own window and send cursor, so an alarm never waits behind more than
/// `MqttLink.Configuration.recordWindow` flight-record parts, however many records are waiting.
public enum MqttSendLane: Sendable, Hashable, CaseIterable {
    /// Events and status messages.
    case messages
    /// Flight records and their parts (outbox ids `record-{event_id}...`, given by `EventRouting`).
    case records

    /// The lane of the entry with outbox id `id`.
    public init(id: String) {
        self = id.hasPrefix(Self.recordIDPrefix) ? .records : .messages
    }

    /// The start of every flight-record entry's outbox id.
    public static let recordIDPrefix = "record-"
}
