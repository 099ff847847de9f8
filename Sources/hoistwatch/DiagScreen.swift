import Foundation

/// Renders a diag snapshot (docs/diag.md) as at most 24 lines of at most 80 columns.
enum DiagScreen {
    static let width = 80

    static func lines(_ report: [String: Any]) -> [String] {
        var out: [String] = []
        func str(_ key: String, _ dict: [String: Any]? = nil) -> String {
            let value = (dict ?? report)[key]
            if value == nil || value is NSNull { return "-" }
            if let number = value as? Double, number != number.rounded() { return String(format: "%.2f", number) }
            return "\(value!)"
        }
        let synced = report["time_synced"] as? Bool == true ? "synced" : "NOT synced"
        out.append("HoistWatch \(str("version"))  \(str("device_id"))  \(str("equipment")) board=\(str("board"))  up \(formatDuration(report["uptime_s"] as? Double ?? 0))")
        out.append("clock \(str("time")) (\(synced))")
        var motion = "position \(str("position_m")) m"
        if report["referenced"] as? Bool == false { motion += " (unreferenced)" }
        if report["equipment"] as? String == "elevator" {
            motion += "  floor \(report["floor"] is NSNull ? "between" : str("floor"))"
        }
        motion += "  speed \(str("speed_mps")) m/s  load \(str("load_kg")) kg"
        if report["wind_mps"] != nil { motion += "  wind \(str("wind_mps")) m/s" }
        out.append(motion)
        out.append("inputs (level/edges):")
        let inputs = (report["inputs"] as? [[String: Any]] ?? []).map {
            "\($0["name"] ?? "?")=\($0["level"] ?? "?")/\($0["edges"] ?? "?")"
        }
        out.append(contentsOf: wrap(inputs, indent: "  "))
        let active = report["active_faults"] as? [[String: Any]] ?? []
        if active.isEmpty {
            out.append("active faults: none")
        } else {
            out.append("active faults:")
            for fault in active.prefix(4) {
                let instance = (fault["instance"] as? String).flatMap { $0.isEmpty ? nil : " (\($0))" } ?? ""
                let since = (fault["raised_for_s"] as? Double).map { formatDuration($0) } ?? "?"
                out.append("  \(String(describing: fault["severity"] ?? "").uppercased()) \(fault["type"] ?? "")\(instance) for \(since)")
            }
        }
        let counters = report["counters"] as? [String: Any] ?? [:]
        out.append("trips \(str("trips", counters))  door cycles \(str("door_cycles", counters))  running \(str("running_hours", counters)) h  "
                   + "travelled \(str("travelled_m", counters)) m  limits \(str("limit_actuations", counters))")
        out.append("max speed \(str("max_speed_mps", counters)) m/s  max load \(str("max_load_kg", counters)) kg")
        let outbox = report["outbox"] as? [String: Any] ?? [:]
        let oldest = (outbox["oldest_age_s"] as? Double).map { formatDuration($0) } ?? "-"
        out.append("outbox \(str("count", outbox)) waiting (oldest \(oldest)), dropped \(str("dropped", outbox)), unsaved \(str("unsaved", outbox))  last seq \(str("last_seq"))")
        let link = report["link"] as? [String: Any] ?? [:]
        out.append("broker \(str("state", link)), session \(str("session", link)), acked \(str("acknowledged", link)), in flight \(str("in_flight", link))")
        if let error = link["last_error"] as? String { out.append("  last error: \(error)") }
        out.append("recent events:")
        let recent = report["recent_events"] as? [[String: Any]] ?? []
        let room = max(1, 23 - out.count)
        for event in recent.suffix(room).reversed() {
            let time = (event["time"] as? String).map { String($0.dropFirst(11).prefix(8)) } ?? ""
            out.append("  #\(event["seq"] ?? "") \(time) \(String(describing: event["severity"] ?? "").uppercased()) \(event["type"] ?? "") \(event["transition"] ?? "")")
        }
        if recent.isEmpty { out.append("  none yet") }
        return out.prefix(24).map { $0.count > width ? String($0.prefix(width - 1)) + "~" : $0 }
    }

    static func formatDuration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1f s", seconds) }
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
