import ArgumentParser
import HoistWatchAgent
import HoistWatchConfig
import HoistWatchCore
import HoistWatchFiles

/// `hoistwatch history --config SITE.toml`: the board's own record of events and per-minute status (mqtt.md
/// "Local history"), read from the state folder's database without the agent's help, so it works with the agent
/// stopped or the platform unreachable. Read-only: it never changes the outbox.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "The events and per-minute status kept on the board (local history).")

    @Option(help: "Site config (TOML): names the state folder.") var config: String
    @Option(help: "Only the last N days (default: everything kept).") var days: Double?
    @Option(help: "Only events of this type (e.g. overspeed, trapped_passenger).") var type: String?
    @Flag(help: "Also the per-minute status rows.") var status = false
    @Flag(help: "Only the per-minute status rows.") var statusOnly = false
    @Flag(help: "Print the stored payloads, one JSON object per line (times corrected as they are sent).") var json =
        false
    @Option(help: "At most this many rows (the newest).") var limit: Int = 1000

    func run() throws {
        let site: SiteConfig
        do {
            site = try TextFile.siteConfig(config)
        } catch {
            throw CLIExit.badInput(error)
        }
        guard limit > 0 else { throw CLIExit.badInput(InputError(.invalidValue, key: "--limit", "must be at least 1")) }
        var since = Int64.min
        if let days {
            guard days > 0 else {
                throw CLIExit.badInput(InputError(.invalidValue, key: "--days", "must be more than 0"))
            }
            since = CalibrationFileUpdate.realtimeNs() - Int64(days * 86_400e9)
        }
        let kinds: Set<Outbox.HistoryKind> = statusOnly ? [.status] : (status ? [.event, .status] : [.event])
        let path = "\(site.stateDirectory)/outbox.db"
        let rows: [Outbox.HistoryRow]
        do {
            // Filtering by type happens here, after the read; ask for enough rows to fill the limit anyway.
            rows = try Outbox.readHistory(
                path: path, sinceWallNs: since, kinds: kinds,
                limit: type == nil ? limit : Int.max / 2)
        } catch {
            CLIExit.printError("error: \(Self.explain(error, path: path))")
            throw ExitCode(1)
        }
        var shown = 0
        var lines: [String] = []
        let damaged = rows.filter(\.checksumFailed)
        if !damaged.isEmpty {
            // Altered bytes are never shown as if stored: the card returned something else than was written.
            let seqs = damaged.compactMap(\.seq).map { "#\($0)" }.joined(separator: " ")
            CLIExit.printError(
                "warning: \(damaged.count) history row(s) failed their checksum and are not shown\(seqs.isEmpty ? "" : ": \(seqs)") (\(path))"
            )
        }
        for row in rows.reversed() where shown < limit && !row.checksumFailed {
            let payload = try? JSONValue.parse(row.payloadAsSent)
            if let type, row.kind == .event, payload?["type"]?.string != type { continue }
            if type != nil && row.kind == .status && !statusOnly && !status { continue }
            lines.append(json ? Self.jsonLine(row) : Self.textLine(row, payload))
            shown += 1
        }
        if lines.isEmpty && !json {
            Console.line("no history rows match (\(path))")
            return
        }
        for line in lines.reversed() { Console.line(line) }
    }

    /// The payload as it would be sent: the corrected time once the clock synced.
    static func jsonLine(_ row: Outbox.HistoryRow) -> String {
        String(decoding: row.payloadAsSent, as: UTF8.self)
    }

    static func textLine(_ row: Outbox.HistoryRow, _ payload: JSONValue?) -> String {
        let time = WallTime.rfc3339(ns: row.wallNs) + (row.timeSynced ? " " : "?")
        switch row.kind {
        case .event:
            let seq = row.seq.map { "#\($0)" } ?? ""
            let severity = (payload?["severity"]?.string ?? "?").uppercased()
            var text =
                "\(time) \(seq) \(severity) \(payload?["type"]?.string ?? "?") \(payload?["transition"]?.string ?? "?")"
            if let duration = payload?["duration_s"]?.double {
                text += " after \(FixedPoint.format(duration, decimals: 1)) s"
            }
            if let data = payload?["data"]?.object, !data.isEmpty {
                let parts = data.keys.sorted().compactMap { key -> String? in
                    guard let value = data[key] else { return nil }
                    switch value {
                    case .double(let number): return "\(key)=\(FixedPoint.format(number, decimals: 3))"
                    case .string(let text): return "\(key)=\(text)"
                    case .object, .array: return nil
                    default: return "\(key)=\(value)"
                    }
                }
                text += "  " + parts.joined(separator: " ")
            }
            return text
        case .status:
            let counters = payload?["counters"]
            var parts = ["status"]
            for key in ["trips", "door_cycles", "travelled_m", "running_hours"] {
                if let value = counters?[key] { parts.append("\(key)=\(value)") }
            }
            if let active = payload?["active_faults"]?.array {
                parts.append("active=\(active.compactMap { $0["type"]?.string }.joined(separator: ","))")
            }
            if let depth = payload?["outbox"]?["count"] { parts.append("outbox=\(depth)") }
            return "\(time) " + parts.joined(separator: " ")
        }
    }

    static func explain(_ error: OutboxError, path: String) -> String {
        let text = "\(error)"
        if text.contains("unable to open") || text.contains("cannot open") || text.contains("CANTOPEN") {
            return "\(path): cannot open the history (no agent has run with this state folder, or this user may "
                + "not read it: run as root or the service user, e.g. sudo -u hoistwatch hoistwatch history ...)"
        }
        return text
    }
}
