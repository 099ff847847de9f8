extension FleetObservation {
    /// The readable lines for a person watching the platform (what the demo's `mosquitto_sub` formatter printed before,
    /// with the board named): one line per alert, status, record; `colour` adds ANSI colours (on a terminal).
    public func textLines(colour: Bool) -> [String] {
        let indent = "         "
        func paint(_ text: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
        switch self {
        case .event(let event, let outcome):
            let clock = event.time.count >= 19 ? String(event.time.dropFirst(11).prefix(8)) : event.time
            let kind = event.type.replacingUnderscores()
            var line: String
            if event.transition == "cleared" {
                line = "\(clock)  \(paint("cleared", "32"))  \(kind) after \(Self.decimal(event.durationS ?? 0, 1)) s"
            } else {
                let (label, code) = Self.severityLabel(event.severity)
                line = "\(clock)  \(paint(label, code))  \(kind.uppercased())  \(Self.describe(event.data))"
            }
            line += "   [\(event.deviceId) seq \(event.seq.map(String.init) ?? "?")]"
            if event.historical { line += " (catch-up)" }
            switch outcome {
            case .gap(let missing):
                let range = missing.count == 1 ? "\(missing.lowerBound)" : "\(missing.lowerBound)-\(missing.upperBound)"
                return [
                    line,
                    paint("\(indent)seq gap on \(event.deviceId): \(range) not received (yet)", "1;35"),
                ]
            case .filledGap: return [line + " (fills a seq gap)"]
            case .first, .inOrder, .beforeWindow: return [line]
            }
        case .duplicate(let deviceId, let id, let seq):
            return ["\(indent)duplicate of \(deviceId) seq \(seq.map(String.init) ?? "?") (id \(id)): not shown again"]
        case .online(let birth):
            var line = "\(indent)board ONLINE: \(birth.equipment ?? "?") \(birth.deviceId)"
            if let version = birth.version { line += ", software \(version)" }
            line += ", session \(birth.session.map(String.init) ?? "?"), \(birth.detectorsOn) detectors on"
            if birth.retained { line += " (retained birth)" }
            return [paint(line, "1;34")]
        case .offline(let deviceId, let session):
            return [paint("\(indent)board OFFLINE: \(deviceId) (session \(session.map(String.init) ?? "?"))", "1;35")]
        case .status(let status):
            let faults = status.activeFaults.isEmpty ? "none" : status.activeFaults.joined(separator: ", ")
            return [
                "\(indent)status of \(status.deviceId): active faults: \(faults); outbox: "
                    + "\(status.outboxCount.map(String.init) ?? "?") waiting; trips \(status.trips.map(String.init) ?? "?")"
            ]
        case .drops(let deviceId, let added, let total):
            let classes = ["alarm", "warning", "info", "status"]
            let parts = classes.compactMap { name in added[name].map { "+\($0) \(name)" } }
            let totals = classes.compactMap { name in total[name].map { "\($0) \(name)" } }
            return [
                paint(
                    "\(indent)DROPPED on \(deviceId): \(parts.joined(separator: ", ")) at its outbox's cap (in all: "
                        + "\(totals.joined(separator: ", ")))", "1;31")
            ]
        case .record(let record):
            let what =
                record.type.map { "\($0.replacingUnderscores()) \(record.eventId.prefix(13))" }
                ?? String(record.eventId.prefix(13))
            var line = "\(indent)flight record for \(what)...: \(record.inputEvents) input events over "
            line += "\(Self.decimal(record.spanS, 1)) s (\(record.edges) edges, \(record.samples) load samples"
            if record.failedSamples > 0 { line += ", \(record.failedSamples) failed" }
            return [line + "), \(record.bytes) bytes"]
        case .unreadable(let topic, let reason):
            return ["\(indent)(unreadable message on \(topic): \(reason))"]
        }
    }

    private static func severityLabel(_ severity: String) -> (String, String) {
        switch severity {
        case "alarm": return ("ALARM  ", "1;31")
        case "warning": return ("WARNING", "1;33")
        case "info": return ("info   ", "36")
        default: return (severity, "0")
        }
    }

    /// Readable names and units of the usual `data` keys, in the order they are shown; other keys follow by name.
    private static let dataNames: [(key: String, name: String, unit: String)] = [
        ("speed_mps", "speed", "m/s"), ("rated_speed_mps", "rated", "m/s"), ("rated_hoist_speed_mps", "rated", "m/s"),
        ("position_m", "at", "m"), ("load_kg", "load", "kg"), ("rated_kg", "rated", "kg"), ("floor", "floor", ""),
        ("case", "case", ""), ("switch", "switch", ""), ("stopped_s", "stopped", "s"), ("wind_10s_mps", "wind", "m/s"),
    ]

    static func describe(_ data: [String: JSONValue]) -> String {
        let known = dataNames.filter { data[$0.key] != nil }
        let others = data.keys.filter { key in !dataNames.contains { $0.key == key } }.sorted()
        var parts = known.map { entry in
            "\(entry.name) \(value(data[entry.key]!))\(entry.unit.isEmpty ? "" : " " + entry.unit)"
        }
        parts += others.map { "\($0) \(value(data[$0]!))" }
        return parts.joined(separator: ", ")
    }

    private static func value(_ value: JSONValue) -> String {
        switch value {
        case .double(let number): return decimal(number, 2)
        case .string(let text): return text
        case .array(let items): return items.map { Self.value($0) }.joined(separator: "+")
        default: return value.description
        }
    }

    /// `number` to at most `places` decimals, without trailing zeros (2.2, 7, 1.75).
    static func decimal(_ number: Double, _ places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let rounded = (number * scale).rounded() / scale
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return "\(Int64(rounded))" }
        return "\(rounded)"
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String { String(map { $0 == "_" ? " " : $0 }) }
}
