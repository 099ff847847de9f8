extension FleetObservation {
    /// One JSON object for scripts (`hoistwatch listen --json`, one per line): `kind` says which observation; an
    /// event carries its payload as received under `event`.
    public func jsonLine() -> String {
        var json = JSONText(reservingCapacity: 256)
        switch self {
        case .event(let event, let outcome):
            json.raw("{\"kind\":\"event\",\"device_id\":")
            json.string(event.deviceId)
            json.raw(",\"seq_outcome\":")
            switch outcome {
            case .first: json.string("first")
            case .inOrder: json.string("in_order")
            case .filledGap: json.string("filled_gap")
            case .beforeWindow: json.string("before_window")
            case .gap(let missing):
                json.string("gap")
                json.raw(",\"missing\":[")
                json.int(missing.lowerBound)
                json.raw(",")
                json.int(missing.upperBound)
                json.raw("]")
            }
            json.raw(",\"event\":")
            json.bytes.append(contentsOf: event.payload)
        case .duplicate(let deviceId, let id, let seq):
            json.raw("{\"kind\":\"duplicate\",\"device_id\":")
            json.string(deviceId)
            json.raw(",\"id\":")
            json.string(id)
            json.raw(",\"seq\":")
            json.optionalInt(seq)
        case .online(let birth):
            json.raw("{\"kind\":\"online\",\"device_id\":")
            json.string(birth.deviceId)
            json.raw(",\"session\":")
            json.optionalInt(birth.session)
            json.raw(",\"version\":")
            json.optionalString(birth.version)
            json.raw(",\"equipment\":")
            json.optionalString(birth.equipment)
            json.raw(",\"board\":")
            json.optionalString(birth.board)
            json.raw(",\"detectors_on\":")
            json.int(Int64(birth.detectorsOn))
            json.raw(",\"retained\":")
            json.bool(birth.retained)
        case .offline(let deviceId, let session):
            json.raw("{\"kind\":\"offline\",\"device_id\":")
            json.string(deviceId)
            json.raw(",\"session\":")
            json.optionalInt(session)
        case .status(let status):
            json.raw("{\"kind\":\"status\",\"device_id\":")
            json.string(status.deviceId)
            json.raw(",\"status_kind\":")
            json.string(status.kind)
            json.raw(",\"active_faults\":")
            json.strings(status.activeFaults)
            json.raw(",\"outbox_count\":")
            json.optionalInt(status.outboxCount)
            json.raw(",\"trips\":")
            json.optionalInt(status.trips)
            json.raw(",\"last_seq\":")
            json.optionalInt(status.lastSeq)
        case .drops(let deviceId, let added, let total):
            json.raw("{\"kind\":\"drops\",\"device_id\":")
            json.string(deviceId)
            json.raw(",\"added\":")
            json.counts(added)
            json.raw(",\"total\":")
            json.counts(total)
        case .record(let record):
            json.raw("{\"kind\":\"record\",\"device_id\":")
            json.string(record.deviceId)
            json.raw(",\"event_id\":")
            json.string(record.eventId)
            json.raw(",\"type\":")
            json.optionalString(record.type)
            json.raw(",\"equipment\":")
            json.string(record.equipment)
            json.raw(",\"input_events\":")
            json.int(Int64(record.inputEvents))
            json.raw(",\"edges\":")
            json.int(Int64(record.edges))
            json.raw(",\"samples\":")
            json.int(Int64(record.samples))
            json.raw(",\"failed_samples\":")
            json.int(Int64(record.failedSamples))
            json.raw(",\"span_s\":")
            json.double(record.spanS)
            json.raw(",\"bytes\":")
            json.int(Int64(record.bytes))
        case .unreadable(let topic, let reason):
            json.raw("{\"kind\":\"unreadable\",\"topic\":")
            json.string(topic)
            json.raw(",\"reason\":")
            json.string(reason)
        }
        json.raw("}")
        return json.text
    }
}

extension JSONText {
    fileprivate mutating func optionalInt(_ value: Int64?) {
        if let value { int(value) } else { raw("null") }
    }

    fileprivate mutating func optionalString(_ value: String?) {
        if let value { string(value) } else { raw("null") }
    }

    fileprivate mutating func strings(_ values: [String]) {
        raw("[")
        for (index, value) in values.enumerated() {
            if index > 0 { raw(",") }
            string(value)
        }
        raw("]")
    }

    fileprivate mutating func counts(_ values: [String: Int64]) {
        raw("{")
        for (index, key) in values.keys.sorted().enumerated() {
            if index > 0 { raw(",") }
            string(key)
            raw(":")
            int(values[key]!)
        }
        raw("}")
    }
}
