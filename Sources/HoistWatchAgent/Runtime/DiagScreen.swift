import HoistWatchCore

/// Renders a diag snapshot (`DiagnosticsSnapshot`) as at most 24 lines of at most 80 columns: `hoistwatch diag`'s
/// screen. Here beside the snapshot, not in the executable, because what it renders comes from another process
/// (the agent's socket) and is fuzzed with the snapshot's decoder (Fuzz/, `make fuzz`).
public enum DiagScreen {
    /// The screen's width in columns; longer lines end in `~`.
    public static let width = 80

    /// The screen's lines for `report`, whatever its numbers (a snapshot from a broken or hostile agent too).
    public static func lines(_ report: DiagnosticsSnapshot) -> [String] {
        var out: [String] = []
        let synced = report.timeSynced ? "synced" : "NOT synced"
        out.append(
            "HoistWatch \(report.version)  \(report.deviceId)  \(report.equipment) board=\(report.board)  up \(formatDuration(report.uptimeS))"
        )
        out.append("clock \(report.time) (\(synced))")
        var motion = "position \(number(report.positionM)) m"
        if !report.referenced { motion += " (unreferenced)" }
        if report.equipment == Equipment.elevator.rawValue {
            motion += "  floor \(report.floor.map { "\($0)" } ?? "between")"
        }
        motion += "  speed \(number(report.speedMps)) m/s  load \(number(report.loadKg)) kg"
        if let wind = report.windMps { motion += "  wind \(number(wind)) m/s" }
        out.append(motion)
        out.append("inputs (level/edges):")
        out.append(contentsOf: wrap(report.inputs.map { "\($0.name)=\($0.level)/\($0.edges)" }, indent: "  "))
        if report.activeFaults.isEmpty {
            out.append("active faults: none")
        } else {
            out.append("active faults:")
            for fault in report.activeFaults.prefix(4) {
                let instance = fault.instance.isEmpty ? "" : " (\(fault.instance))"
                let since = fault.raisedForS.map { formatDuration($0) } ?? "?"
                out.append("  \(fault.severity.uppercased()) \(fault.type)\(instance) for \(since)")
            }
        }
        let counters = report.counters
        out.append(
            "trips \(counters.trips)  door cycles \(counters.doorCycles)  running \(number(counters.runningHours)) h  "
                + "travelled \(number(counters.travelledM)) m  limits \(counters.limitActuations)")
        out.append("max speed \(number(counters.maxSpeedMps)) m/s  max load \(number(counters.maxLoadKg)) kg")
        if let gpio = report.gpio {
            var line =
                "gpio edges \(gpio.edges)  lost \(gpio.lostEdges)  full FIFOs \(gpio.overflowsSuspected)  late "
                + "\(gpio.lateEdges)"
            if let load = report.loadCell {
                line += "  load reads \(load.samples), failed \(load.failedSamples)"
            }
            out.append(line)
        }
        let outbox = report.outbox
        let oldest = outbox.oldestAgeS.map { formatDuration($0) } ?? "-"
        out.append(
            "outbox \(outbox.count) waiting (oldest \(oldest)), dropped \(outbox.dropped), unsaved \(outbox.unsaved)  last seq \(report.lastSeq)"
        )
        if let storage = report.storage { out.append(storageLine(storage)) }
        let link = report.link
        out.append(
            "broker \(link.state), session \(link.session), acked \(link.acknowledged), in flight \(link.inFlight)"
                + (link.setAside > 0 ? ", set aside \(link.setAside)" : ""))
        out.append(
            "  at \(link.broker.isEmpty ? "-" : link.broker), MQTT \(link.mqttVersion.isEmpty ? "-" : link.mqttVersion)"
        )
        if let error = link.lastError { out.append("  last error: \(error)") }
        out.append("recent events:")
        let room = max(1, 23 - out.count)
        for event in report.recentEvents.suffix(room).reversed() {
            let time = String(event.time.dropFirst(11).prefix(8))
            out.append("  #\(event.seq) \(time) \(event.severity.uppercased()) \(event.type) \(event.transition)")
        }
        if report.recentEvents.isEmpty { out.append("  none yet") }
        return out.prefix(24).map { $0.count > width ? String($0.prefix(width - 1)) + "~" : $0 }
    }

    /// The outbox's store (`storage`, docs/storage.md): its state (`ok`, or the cause of the last failure: `full`,
    /// `read_only`, `io_error`, `corrupt`), the entries held in memory and their bytes against the cap, the
    /// entries set aside as corrupt, the start-up space check (free space plus the outbox's files / what the caps and
    /// the reserve need: the card is short when the first is smaller), `no reserve` once the reserve was released.
    static func storageLine(_ storage: DiagnosticsSnapshot.StorageReading) -> String {
        var line = "storage \(storage.failing ?? (storage.durable ? "ok" : "failing"))"
        line += "  memory \(storage.unsaved) (\(mib(storage.unsavedBytes))/\(mib(storage.unsavedCapBytes)) MiB)"
        line += "  corrupt \(storage.corrupt)"
        if let available = storage.availableBytes, let needed = storage.neededBytes {
            line += "  free \(mib(available))/\(mib(needed)) MiB"
        }
        if !storage.reserveHeld { line += "  no reserve" }
        return line
    }

    /// Bytes as MiB, by `number`'s rules.
    private static func mib(_ bytes: Int64) -> String { number(Double(bytes) / 1_048_576) }

    /// A reading as the screen shows it: whole numbers without decimals, others with two; `-` when there is none.
    static func number(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "-" }
        if value == value.rounded(), abs(value) < 1e15 { return "\(Int64(value))" }
        return FixedPoint.format(value, decimals: 2)
    }

    static func formatDuration(_ seconds: Double) -> String {
        // Not a duration an agent can have been up (nan, inf, beyond any Int): shown as it came, never converted.
        guard seconds.isFinite, abs(seconds) < 1e15 else { return FixedPoint.format(seconds, decimals: 0) + " s" }
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
