import HoistWatchCore

/// Turns core events and flight records into outbox entries: topics of mqtt.md, priority class from severity.
public struct EventRouting: Sendable {
    /// `{prefix}/{device_id}/event`, where every event is published.
    public let eventTopic: String
    /// The site's topic prefix (default `hoistwatch/v1`), without a trailing slash.
    public let topicPrefix: String
    /// The board's `device_id`: the topic level right after the prefix.
    public let deviceId: String

    /// Routing for the device `deviceId` under `topicPrefix`; neither is checked here (the site config validated them).
    public init(topicPrefix: String, deviceId: String) {
        self.topicPrefix = topicPrefix
        self.deviceId = deviceId
        eventTopic = "\(topicPrefix)/\(deviceId)/event"
    }

    /// The class an event is sent and dropped by.
    public static func priority(of severity: Severity) -> OutboxPriority {
        switch severity {
        case .alarm: return .alarm
        case .warning: return .warning
        case .info: return .info
        }
    }

    /// The event, numbered with the outbox's `seq` (in the transaction that stores it), on its topic and in its
    /// class; its payload is rendered from its fields when sent (`OutboxEntry.payloadToSend`).
    public func entry(for event: Event, seq: Int64) -> OutboxEntry {
        var numbered = event
        numbered.seq = seq
        return OutboxEntry(event: numbered, priority: Self.priority(of: event.severity), topic: eventTopic)
    }

    /// An alarm's flight record on `{prefix}/{device_id}/record/{event_id}`, in the alarm's class so it follows
    /// its alarm out of a backlog; its payload is the trace compressed (`FlightRecordPayload`).
    public func entry(for record: FlightRecord, raised: Event) -> OutboxEntry {
        OutboxEntry(
            id: "record-\(record.eventId)", priority: Self.priority(of: raised.severity),
            topic: "\(topicPrefix)/\(deviceId)/record/\(record.eventId)", payload: FlightRecordPayload.encode(record),
            monoNs: raised.monoNs, bootId: raised.bootId, wallNs: raised.wallNs, timeSynced: raised.timeSynced)
    }
}
