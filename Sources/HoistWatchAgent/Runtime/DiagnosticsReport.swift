import HoistWatchCore

/// The JSON a technician's `hoistwatch diag` reads from the agent's local socket: one snapshot of everything the
/// agent sees. Documented in docs/diag.md; `schema` changes when a key changes meaning.
public enum DiagnosticsReport {
    public static let schema = "hoistwatch.diag/1"

    public static func render(identity: StatusPayload.Identity, snapshot: AgentSnapshot, depth: OutboxDepth?,
                              dropped: OutboxDropCounters?, monoNs: Int64, wallNs: Int64, timeSynced: Bool,
                              uptimeS: Double) -> [UInt8] {
        var json = JSONText(reservingCapacity: 2048)
        json.raw("{\"schema\":")
        json.string(schema)
        json.raw(",\"device_id\":")
        json.string(identity.deviceId)
        json.raw(",\"version\":")
        json.string(identity.version)
        json.raw(",\"equipment\":")
        json.string(identity.equipment.rawValue)
        json.raw(",\"board\":")
        json.string(identity.board)
        json.raw(",\"uptime_s\":")
        json.double((uptimeS * 10).rounded() / 10)
        json.raw(",\"mono_ns\":")
        json.int(monoNs)
        json.raw(",\"time\":")
        json.string(WallTime.rfc3339(ns: wallNs))
        json.raw(",\"time_synced\":")
        json.bool(timeSynced)
        json.raw(",\"inputs\":[")
        for (index, input) in snapshot.inputs.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{\"name\":")
            json.string(input.name)
            json.raw(",\"level\":")
            json.int(Int64(input.level))
            json.raw(",\"edges\":")
            json.int(input.edges)
            json.raw("}")
        }
        json.raw("],\"position_m\":")
        json.double((snapshot.positionM * 1000).rounded() / 1000)
        json.raw(",\"referenced\":")
        json.bool(snapshot.referenced)
        json.raw(",\"floor\":")
        if let floor = snapshot.floor { json.int(Int64(floor)) } else { json.raw("null") }
        json.raw(",\"speed_mps\":")
        json.double((snapshot.speedMps * 1000).rounded() / 1000)
        json.raw(",\"load_kg\":")
        if let load = snapshot.loadKg { json.double((load * 10).rounded() / 10) } else { json.raw("null") }
        if let wind = snapshot.windMps {
            json.raw(",\"wind_mps\":")
            json.double((wind * 10).rounded() / 10)
        }
        json.raw(",\"active_faults\":[")
        for (index, fault) in snapshot.active.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{\"type\":")
            json.string(fault.type.rawValue)
            json.raw(",\"instance\":")
            json.string(fault.instance)
            json.raw(",\"severity\":")
            json.string(fault.severity.rawValue)
            json.raw(",\"raised_id\":")
            json.string(fault.raisedId)
            json.raw(",\"raised_for_s\":")
            if let since = snapshot.activeSinceMonoNs[fault.raisedId] {
                json.double(Double(max(0, monoNs - since) / 1_000_000) / 1000)
            } else {
                json.raw("null")
            }
            json.raw("}")
        }
        json.raw("],\"counters\":")
        snapshot.counters.write(to: &json)
        json.raw(",\"outbox\":{\"count\":")
        json.int(Int64(depth?.count ?? -1))
        json.raw(",\"bytes\":")
        json.int(depth?.bytes ?? -1)
        json.raw(",\"oldest_age_s\":")
        if let oldest = depth?.oldestMonoNs, depth?.oldestBootId == identity.bootId {
            json.double(Double(max(0, monoNs - oldest) / 1_000_000) / 1000)
        } else {
            json.raw("null")
        }
        json.raw(",\"unsaved\":")
        json.int(Int64(snapshot.unsaved))
        json.raw(",\"dropped\":")
        json.int(dropped?.total ?? 0)
        json.raw("},\"link\":{\"state\":")
        json.string(snapshot.link.state)
        json.raw(",\"last_error\":")
        if let error = snapshot.link.lastError { json.string(error) } else { json.raw("null") }
        json.raw(",\"session\":")
        json.int(snapshot.link.session)
        json.raw(",\"acknowledged\":")
        json.int(Int64(snapshot.link.acknowledged))
        json.raw(",\"in_flight\":")
        json.int(Int64(snapshot.link.inFlight))
        json.raw("},\"board_runs\":")
        json.int(Int64(snapshot.boardRuns))
        if let board = snapshot.boardCounters {
            json.raw(",")
            board.write(to: &json)
        }
        json.raw(",\"raw\":{\"encoder_count\":")
        json.int(snapshot.encoderCount)
        json.raw(",\"load_raw\":")
        if let raw = snapshot.loadRaw { json.double((raw * 10).rounded() / 10) } else { json.raw("null") }
        json.raw(",\"door_zone_marks\":[")
        for (index, numbered) in snapshot.doorZoneMarks.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{\"n\":")
            json.int(numbered.n)
            json.raw(",\"level\":")
            json.int(Int64(numbered.mark.level))
            json.raw(",\"encoder_count\":")
            json.int(numbered.mark.encoderCount)
            json.raw("}")
        }
        json.raw("]},\"last_seq\":")
        json.int(snapshot.lastSeq)
        json.raw(",\"recent_events\":[")
        for (index, event) in snapshot.recent.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{\"seq\":")
            json.int(event.seq)
            json.raw(",\"type\":")
            json.string(event.type)
            json.raw(",\"transition\":")
            json.string(event.transition)
            json.raw(",\"severity\":")
            json.string(event.severity)
            json.raw(",\"time\":")
            json.string(WallTime.rfc3339(ns: event.wallNs))
            json.raw(",\"age_s\":")
            json.double(Double(max(0, wallNs - event.wallNs) / 1_000_000) / 1000)
            json.raw("}")
        }
        json.raw("]}")
        return json.bytes
    }
}
