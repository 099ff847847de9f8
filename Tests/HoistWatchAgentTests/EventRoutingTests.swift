import Foundation
import HoistWatchAgentTestSupport
import HoistWatchCore
import HoistWatchTestSupport
import Testing

@testable import HoistWatchAgent

/// Event -> outbox entry -> payload on the wire, without a broker: seq from the outbox, class from severity,
/// the corrected time after a clock sync, `historical` on backlog, each rendered from the event's fields.
@Suite struct EventRoutingTests {
    static let routing = EventRouting(topicPrefix: "hoistwatch/v1", deviceId: "37010000000000000001")

    static func event(_ severity: Severity = .alarm, wallNs: Int64 = 5_000_000_000, synced: Bool = false) -> Event {
        var data = EventData()
        data.set("speed_mps", 2.21, decimals: 2)
        return Event(
            id: "0193a5c2-7d1e-7b3a-9c4f-2b1e5d6f7a80", seq: 99, deviceId: "37010000000000000001",
            type: .overspeed, transition: .raised, severity: severity, monoNs: 5_000_000_000,
            bootId: "boot-a", wallNs: wallNs, timeSynced: synced, data: data, raisedId: nil, durationS: nil)
    }

    static func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test(arguments: [(Severity.alarm, OutboxPriority.alarm), (.warning, .warning), (.info, .info)])
    func entryTakesTheOutboxSeqAndTheClassOfTheSeverity(severity: Severity, priority: OutboxPriority) throws {
        let entry = Self.routing.entry(for: Self.event(severity), seq: 1042)
        #expect(entry.seq == 1042)
        #expect(entry.priority == priority)
        #expect(entry.topic == "hoistwatch/v1/37010000000000000001/event")
        #expect(!entry.retained)
        let payload = try Self.json(entry.payloadToSend(isBacklog: false))
        #expect(payload["seq"] as? Int == 1042)
        #expect(payload["id"] as? String == entry.id)
    }

    @Test func liveSyncedPayloadGoesOutAsTheEventRendersItself() {
        let entry = Self.routing.entry(for: Self.event(synced: true), seq: 1)
        var numbered = Self.event(synced: true)
        numbered.seq = 1
        #expect(entry.payloadToSend(isBacklog: false) == numbered.jsonBytes())
    }

    @Test func correctedTimeReplacesTheUnsyncedOneBeforeSending() throws {
        var entry = Self.routing.entry(for: Self.event(wallNs: 5_000_000_000, synced: false), seq: 7)
        let before = try Self.json(entry.payloadToSend(isBacklog: false))
        #expect(before["time"] as? String == "1970-01-01T00:00:05.000Z")
        #expect(before["time_synced"] as? Bool == false)
        // What Outbox.correctTimes does to the row once the clock synced.
        entry.wallNs = 1_795_000_000_123_000_000
        entry.timeSynced = true
        let after = try Self.json(entry.payloadToSend(isBacklog: false))
        #expect(after["time"] as? String == WallTime.rfc3339(ns: 1_795_000_000_123_000_000))
        #expect(after["time_synced"] as? Bool == true)
        #expect(after["data"] as? [String: Double] == ["speed_mps": 2.21], "the rest is intact")
        #expect(after["historical"] == nil)
    }

    @Test func backlogIsMarkedHistoricalOnce() throws {
        let entry = Self.routing.entry(for: Self.event(synced: true), seq: 3)
        let once = entry.payloadToSend(isBacklog: true)
        #expect(try Self.json(once)["historical"] as? Bool == true)
        #expect(String(decoding: once, as: UTF8.self).components(separatedBy: "\"historical\"").count == 2)
        #expect(entry.payloadToSend(isBacklog: true) == once, "a second send of the backlog is the same message")
    }

    @Test func statusAndRecordsAreNeverEdited() {
        let status = EntryFactory.status(1)
        #expect(status.payloadToSend(isBacklog: true) == status.payload)
    }

    @Test func anEventIsStoredAsItsFieldsAndRenderedFromThemWhenSent() throws {
        let dir = try TestDirectory()
        var data = EventData()
        data.set("speed_mps", 2.21, decimals: 2)
        data.set("floor", .integer(3))
        data.set("case", .text("between_floors \"quoted\""))
        data.set("inspection", .flag(true))
        data.set("inputs", .texts(["door_closed", "occupancy"]))
        let event = Event(
            id: "0193a5c2-7d1e-7b3a-9c4f-2b1e5d6f7a80", seq: nil, deviceId: "37010000000000000001",
            type: .trappedPassenger, transition: .cleared, severity: .alarm, monoNs: 5_000_000_000,
            bootId: "boot-a", wallNs: 5_000_000_000, timeSynced: false, data: data,
            raisedId: "0193a5c2-7d1e-7b3a-9c4f-2b1e5d6f7a7f", durationS: 42.125)
        do {
            let outbox = try Outbox(path: dir.file("outbox.db"))
            try outbox.appendEvent { Self.routing.entry(for: event, seq: $0) }
        }
        let reopened = try Outbox(path: dir.file("outbox.db"))
        let stored = try #require(try reopened.pending(limit: 1).first)
        var numbered = event
        numbered.seq = 1
        #expect(stored.event == numbered, "every field comes back from the disk")
        #expect(stored.payloadToSend(isBacklog: false) == numbered.jsonBytes())
        // The clock syncs: the time is corrected in the outbox, and the payload sent is rendered with it.
        try reopened.correctTimes(bootId: "boot-a", wallMinusMonoNs: 1_795_000_000_000_000_000)
        let corrected = try #require(try reopened.pending(limit: 1).first)
        let sent = try Self.json(corrected.payloadToSend(isBacklog: true))
        #expect(sent["time"] as? String == WallTime.rfc3339(ns: 1_795_000_005_000_000_000))
        #expect(sent["time_synced"] as? Bool == true)
        #expect(sent["historical"] as? Bool == true)
        #expect(sent["seq"] as? Int == 1)
        // The local history shows the same payload as the platform got it live, with the corrected time.
        let row = try #require(try reopened.history(sinceWallNs: 0, kinds: [.event], limit: 10).first)
        var live = numbered
        live.wallNs = 1_795_000_005_000_000_000
        live.timeSynced = true
        #expect(row.payloadAsSent == live.jsonBytes())
    }

    @Test func aReadingThatIsNotANumberIsStoredAndSentAsNull() throws {
        var data = EventData()
        data.set("speed_mps", .number(.nan))
        data.set("load_kg", .number(.infinity))
        let event = Event(
            id: "0193a5c2-7d1e-7b3a-9c4f-2b1e5d6f7a80", seq: 4, deviceId: "37010000000000000001", type: .overload,
            transition: .raised, severity: .warning, monoNs: 1, bootId: "boot-a", wallNs: 1, timeSynced: true,
            data: data)
        let stored = try #require(EventRecord.decode(EventRecord.encode(event)))
        #expect(stored.data["speed_mps"].map { if case .number(let n) = $0 { n.isNaN } else { false } } == true)
        #expect(stored.jsonBytes() == event.jsonBytes(), "the payload is the one the event renders live")
        #expect(String(decoding: stored.jsonBytes(), as: UTF8.self).contains(#""speed_mps":null,"load_kg":null"#))
    }
}
