extension Event {
    /// The `event` payload of mqtt.md, keys in the documented order.
    public func jsonBytes() -> [UInt8] {
        var json = JSONText(reservingCapacity: 512)
        write(to: &json)
        return json.bytes
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
        json.int(seq)
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
        json.raw("}")
    }
}
