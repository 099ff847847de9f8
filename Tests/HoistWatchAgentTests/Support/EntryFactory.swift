import HoistWatchCore

@testable import HoistWatchAgent

/// Builds outbox entries whose payload names their class and seq, so ordering can be read off the wire.
enum EntryFactory {
    static let prefix = "hw/dev1"

    static func event(
        _ priority: OutboxPriority, seq: Int64, note: String = "", bootId: String = "boot-a",
        monoNs: Int64 = 1_000, synced: Bool = true
    ) -> OutboxEntry {
        OutboxEntry(
            id: "evt-\(seq)", seq: seq, priority: priority, topic: "\(prefix)/event",
            payload: Array("{\"seq\":\(seq),\"class\":\"\(priority)\"\(note)}".utf8),
            monoNs: monoNs, bootId: bootId, wallNs: synced ? 1_700_000_000_000_000_000 : monoNs, timeSynced: synced)
    }

    /// A real event entry (its fields stored, its payload rendered when sent, `historical` on backlog), whose
    /// payload names its class in `data` (`"class":"alarm"`) and carries the outbox's seq.
    static func storedEvent(_ priority: OutboxPriority, seq: Int64, bootId: String = "boot-a") -> OutboxEntry {
        let severity: Severity =
            switch priority {
            case .alarm: .alarm
            case .warning: .warning
            case .info, .status: .info
            }
        let event = Event(
            id: "evt-\(seq)", seq: seq, deviceId: "dev1", type: .overspeed, transition: .raised, severity: severity,
            monoNs: 1_000, bootId: bootId, wallNs: 1_700_000_000_000_000_000, timeSynced: true,
            data: ["class": .text("\(priority)")])
        return OutboxEntry(event: event, priority: priority, topic: "\(prefix)/event")
    }

    static func status(_ n: Int) -> OutboxEntry {
        OutboxEntry(
            id: "status-\(n)", priority: .status, topic: "\(prefix)/status",
            payload: Array("{\"status\":\(n)}".utf8), retained: true, monoNs: Int64(n), bootId: "boot-a",
            wallNs: 0, timeSynced: true)
    }
}
