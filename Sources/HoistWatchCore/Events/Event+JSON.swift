extension Event {
    /// The `event` payload of mqtt.md, keys in the documented order.
    public func jsonBytes() -> [UInt8] {
        var json = JSONText(reservingCapacity: 512)
        write(to: &json)
        return json.bytes
    }

    /// The payload as sent: these fields with the `seq`, wall time and `time_synced` the store holds now (corrected
    /// once the clock synced) and `historical` as the sender decided. The one rendering of a stored event.
    /// `durable` false (an event the board could not store: mqtt.md, `storage_fault`) adds `"durable": false`.
    public func jsonBytes(
        seq: Int64?, wallNs: Int64, timeSynced: Bool, historical: Bool, durable: Bool = true
    )
        -> [UInt8]
    {
        var event = self
        event.seq = seq
        event.wallNs = wallNs
        event.timeSynced = timeSynced
        event.historical = historical
        event.durable = durable
        return event.jsonBytes()
    }

    /// Appends the payload to `json`.
    public func write(to json: inout JSONText) {
        json.raw("{\"schema\":")
        json.string(Event.schema)
        json.raw(",\"id\":")
        json.string(id)
        json.raw(",\"device_id\":")
        json.string(deviceId)
        json.raw(",\"seq\":")
        if let seq { json.int(seq) } else { json.raw("null") }
        json.raw(",\"type\":")
        json.string(type.rawValue)
        json.raw(",\"transition\":")
        json.string(transition.rawValue)
        json.raw(",\"severity\":")
        json.string(severity.rawValue)
        json.raw(",\"mono_ns\":")
        json.int(monoNs)
        json.raw(",\"boot_id\":")
        json.string(bootId)
        json.raw(",\"time\":")
        json.string(WallTime.rfc3339(ns: wallNs))
        json.raw(",\"time_synced\":")
        json.bool(timeSynced)
        json.raw(",\"data\":")
        data.write(to: &json)
        if let raisedId {
            json.raw(",\"raised_id\":")
            json.string(raisedId)
        }
        if let durationS {
            json.raw(",\"duration_s\":")
            json.double((durationS * 1000).rounded() / 1000)
        }
        if historical { json.raw(",\"historical\":true") }
        if !durable { json.raw(",\"durable\":false") }
        json.raw("}")
    }
}
