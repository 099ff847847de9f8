import HoistWatchCore

/// One message waiting in the outbox: opaque bytes for a topic, plus what the link needs to order, drop and
/// finish it (priority, seq, the times for correcting an unsynced wall clock).
public struct OutboxEntry: Sendable, Hashable {
    /// The event UUID (or any unique id for non-events); subscribers deduplicate on it.
    public var id: String
    /// The device's event sequence number, assigned by `Outbox.appendEvent`; nil for messages that are not
    /// events (status, flight records), which must not open gaps in the event sequence.
    public var seq: Int64?
    /// Send and drop class.
    public var priority: OutboxPriority
    /// Full MQTT topic.
    public var topic: String
    /// Message body as stored: the bytes sent as they are (status, flight records), or, for an event, its fields
    /// encoded by `EventRecord` (the payload is rendered from them when sent: `payloadToSend(isBacklog:)`).
    public var payload: [UInt8]
    /// The event whose fields `payload` holds; nil for messages sent as they are stored.
    public var event: Event?
    /// Publish with the retain flag (status messages).
    public var retained: Bool
    /// Monotonic time of the event on the board that made it, in nanoseconds.
    public var monoNs: Int64
    /// The boot the monotonic time belongs to.
    public var bootId: String
    /// Wall time of the event in nanoseconds since 1970, as known when it was stored or after `correctTimes`.
    public var wallNs: Int64
    /// False while the wall clock was not yet synchronised; `Outbox.correctTimes` sets it.
    public var timeSynced: Bool
    /// Where the outbox stored the entry (insertion order); 0 until the outbox assigns it.
    public internal(set) var position: Int64 = 0
    /// False for an entry the outbox holds in memory because its database could not store it (a `storage_fault`):
    /// an event is then published with `"durable": false`.
    public internal(set) var durable = true

    /// Makes an entry for an event: its fields are stored (`EventRecord`), its payload rendered when it is sent.
    /// `seq` is set by the outbox; the clocks are the event's until the outbox corrects them.
    public init(event: Event, priority: OutboxPriority, topic: String) {
        self.init(
            id: event.id, seq: event.seq, priority: priority, topic: topic, payload: EventRecord.encode(event),
            monoNs: event.monoNs, bootId: event.bootId, wallNs: event.wallNs, timeSynced: event.timeSynced)
        self.event = event
    }

    /// Makes an entry whose payload is sent as it is; `position` is assigned by the outbox.
    public init(
        id: String,
        seq: Int64? = nil,
        priority: OutboxPriority,
        topic: String,
        payload: [UInt8],
        retained: Bool = false,
        monoNs: Int64,
        bootId: String,
        wallNs: Int64,
        timeSynced: Bool
    ) {
        self.id = id
        self.seq = seq
        self.priority = priority
        self.topic = topic
        self.payload = payload
        self.retained = retained
        self.monoNs = monoNs
        self.bootId = bootId
        self.wallNs = wallNs
        self.timeSynced = timeSynced
    }

    /// Bytes the entry counts against the outbox cap: topic, id and payload plus a fixed 64 for the row.
    public var storedBytes: Int64 { Int64(payload.count + topic.utf8.count + id.utf8.count + 64) }
}
