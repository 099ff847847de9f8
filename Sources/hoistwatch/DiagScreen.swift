import HoistWatchCore

/// Renders a diag snapshot (docs/diag.md) as at most 24 lines of at most 80 columns.
enum DiagScreen {
    static let width = 80

    static func lines(_ report: JSONValue) -> [String] {
        var out: [String] = []
        func str(_ key: String, _ object: JSONValue? = nil) -> String {
            switch (object ?? report)[key] {
            case nil, .null?: return "-"
            case .double(let number)?: return FixedPoint.format(number, decimals: 2)
            case .string(let text)?: return text
            case let value?: return value.description
            }
        }
        let synced = report["time_synced"] == .bool(true) ? "synced" : "NOT synced"
        out.append("HoistWatch \(str("version"))  \(str("device_id"))  \(str("equipment")) board=\(str("board"))  up \(formatDuration(report["uptime_s"]?.double ?? 0))")
        out.append("clock \(str("time")) (\(synced))")
        var motion = "position \(str("position_m")) m"
        if report["referenced"] == .bool(false) { motion += " (unreferenced)" }
        if report["equipment"]?.string == "elevator" {
            motion += "  floor \(report["floor"]?.isNull ?? true ? "between" : str("floor"))"
        }
        motion += "  speed \(str("speed_mps")) m/s  load \(str("load_kg")) kg"
        if report["wind_mps"] != nil { motion += "  wind \(str("wind_mps")) m/s" }
        out.append(motion)
        out.append("inputs (level/edges):")
        let inputs = (report["inputs"]?.array ?? []).map {
            "\($0["name"]?.string ?? "?")=\($0["level"]?.description ?? "?")/\($0["edges"]?.description ?? "?")"
        }
        out.append(contentsOf: wrap(inputs, indent: "  "))
        let active = report["active_faults"]?.array ?? []
        if active.isEmpty {
            out.append("active faults: none")
        } else {
            out.append("active faults:")
            for fault in active.prefix(4) {
                let instance = fault["instance"]?.string.flatMap { $0.isEmpty ? nil : " (\($0))" } ?? ""
                let since = fault["raised_for_s"]?.double.map { formatDuration($0) } ?? "?"
                out.append("  \((fault["severity"]?.string ?? "").uppercased()) \(fault["type"]?.string ?? "")\(instance) for \(since)")
            }
        }
        let counters = report["counters"] ?? .null
        out.append("trips \(str("trips", counters))  door cycles \(str("door_cycles", counters))  running \(str("running_hours", counters)) h  "
                   + "travelled \(str("travelled_m", counters)) m  limits \(str("limit_actuations", counters))")
        out.append("max speed \(str("max_speed_mps", counters)) m/s  max load \(str("max_load_kg", counters)) kg")
        if let gpio = report["gpio"] {
            var line = "gpio edges \(str("edges", gpio))  lost \(str("lost_edges", gpio))  full FIFOs "
                + "\(str("overflows_suspected", gpio))  late \(str("late_edges", gpio))"
            if let load = report["load_cell"] {
                line += "  load reads \(str("samples", load)), failed \(str("failed_samples", load))"
            }
            out.append(line)
        }
        let outbox = report["outbox"] ?? .null
        let oldest = outbox["oldest_age_s"]?.double.map { formatDuration($0) } ?? "-"
        out.append("outbox \(str("count", outbox)) waiting (oldest \(oldest)), dropped \(str("dropped", outbox)), unsaved \(str("unsaved", outbox))  last seq \(str("last_seq"))")
        let link = report["link"] ?? .null
        out.append("broker \(str("state", link)), session \(str("session", link)), acked \(str("acknowledged", link)), in flight \(str("in_flight", link))")
        if let error = link["last_error"]?.string { out.append("  last error: \(error)") }
        out.append("recent events:")
        let recent = report["recent_events"]?.array ?? []
        let room = max(1, 23 - out.count)
        for event in recent.suffix(room).reversed() {
            let time = event["time"]?.string.map { String($0.dropFirst(11).prefix(8)) } ?? ""
            out.append("  #\(event["seq"]?.description ?? "") \(time) \((event["severity"]?.string ?? "").uppercased()) "
                       + "\(event["type"]?.string ?? "") \(event["transition"]?.string ?? "")")
        }
        if recent.isEmpty { out.append("  none yet") }
        return out.prefix(24).map { $0.count > width ? String($0.prefix(width - 1)) + "~" : $0 }
    }

    static func formatDuration(_ seconds: Double) -> String {
        if seconds < 60 { return FixedPoint.format(seconds, decimals: 1) + " s" }
        if seconds < 3600 { return "\(Int(seconds) / 60) min \(Int(seconds) % 60) s" }
        return "\(Int(seconds) / 3600) h \(Int(seconds) % 3600 / 60) min"
    }

    private static func wrap(_ items: [String], indent: String) -> [String] {
        var lines: [String] = []
        var line = indent
        for item in items {
            if line.count + item.count + 1 > width, line != indent {
                lines.append(line)
                line = indent
            }
            line += (line == indent ? "" : " ") + item
        }
        if line != indent { lines.append(line) }
        return lines
    }
}
