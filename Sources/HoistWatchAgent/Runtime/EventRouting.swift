import HoistWatchCore

/// Turns core events and flight records into outbox entries: topics of mqtt.md, priority class from severity.
public struct EventRouting: Sendable {
    /// `{prefix}/{device_id}/event`, where every event is published.
    public let eventTopic: String
    /// The site's topic prefix (default `hoistwatch/v1`), without a trailing slash.
    public let topicPrefix: String
    /// The board's `device_id`: the topic level right after the prefix.
    public let deviceId: String
    /// The largest PUBLISH packet the link sends (`broker.max_message_bytes`): flight records are split to fit it.
    public let maxMessageBytes: Int

    /// Routing for the device `deviceId` under `topicPrefix`; neither is checked here (the site config validated them).
    public init(topicPrefix: String, deviceId: String, maxMessageBytes: Int = 131_072) {
        self.topicPrefix = topicPrefix
        self.deviceId = deviceId
        self.maxMessageBytes = maxMessageBytes
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

    /// The outbox entries of an alarm's flight record: the one entry of `entry(for:raised:)` when its PUBLISH fits
    /// `maxMessageBytes`, else its payload's bytes (whatever encoding they are in) cut into `n` parts that each fit,
    /// on `{prefix}/{device_id}/record/{event_id}/{part}/{n}` (part 1 to n), ids `record-{event_id}/{part}/{n}`, in
    /// the alarm's class, in order. A subscriber joins the payloads of parts 1 to n in part order and gets the bytes
    /// an unsplit record would have carried.
    public func entries(for record: FlightRecord, raised: Event) -> [OutboxEntry] {
        let whole = entry(for: record, raised: raised)
        let bytes = whole.payload
        if MqttPacketSize.publish(topicBytes: whole.topic.utf8.count, payloadBytes: bytes.count) <= maxMessageBytes {
            return [whole]
        }
        // The topic's length depends on the count's digits, and the count on the room the topic leaves.
        var parts = 2
        var chunk = 0
        for _ in 0..<4 {
            let longest = Self.partTopic(whole.topic, part: parts, of: parts).utf8.count
            chunk = MqttPacketSize.maxPayload(topicBytes: longest, maxPacketBytes: maxMessageBytes)
            guard chunk > 0 else { return [whole] }
            let needed = (bytes.count + chunk - 1) / chunk
            if needed == parts { break }
            parts = needed
        }
        return (0..<parts).map { index in
            var part = whole
            let number = index + 1
            part.id = "\(whole.id)/\(number)/\(parts)"
            part.topic = Self.partTopic(whole.topic, part: number, of: parts)
            part.payload = Array(bytes[(index * chunk)..<min(bytes.count, (index + 1) * chunk)])
            return part
        }
    }

    private static func partTopic(_ recordTopic: String, part: Int, of parts: Int) -> String {
        "\(recordTopic)/\(part)/\(parts)"
    }
}
