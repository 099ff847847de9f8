import HoistWatchCore

extension OutboxEntry {
    /// The bytes published for this entry, rendered here and nowhere else: an event's payload (mqtt.md) from its
    /// fields, with the `seq` the outbox gave it, the wall time and `time_synced` as the outbox holds them (corrected
    /// once the clock synced: `Outbox.correctTimes`), and `"historical": true` when the link sends it from the
    /// backlog (`isBacklog`, decided by `MqttLink`) and `"durable": false` when the outbox holds it in memory only
    /// (`durable`); any other message as it was stored.
    public func payloadToSend(isBacklog: Bool) -> [UInt8] {
        guard let event else { return payload }
        return event.jsonBytes(
            seq: seq, wallNs: wallNs, timeSynced: timeSynced, historical: isBacklog, durable: durable)
    }
}
