import Foundation
import HoistWatchCore
import Testing

@testable import HoistWatchAgent
import HoistWatchTestSupport

/// Event -> outbox entry -> payload on the wire, without a broker: seq from the outbox, class from severity,
/// the corrected time after a clock sync, `historical` on backlog.
@Suite struct EventRoutingTests {
    static let routing = EventRouting(topicPrefix: "hoistwatch/v1", deviceId: "37010000000000000001")

    static func event(_ severity: Severity = .alarm, wallNs: Int64 = 5_000_000_000, synced: Bool = false) -> Event {
        var data = EventData()
        data.set("speed_mps", 2.21, decimals: 2)
        return Event(id: "0193a5c2-7d1e-7b3a-9c4f-2b1e5d6f7a80", seq: 99, deviceId: "37010000000000000001",
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
        let payload = try Self.json(entry.payload)
        #expect(payload["seq"] as? Int == 1042)
        #expect(payload["id"] as? String == entry.id)
    }

    @Test func liveSyncedPayloadGoesOutUntouched() {
        let entry = Self.routing.entry(for: Self.event(synced: true), seq: 1)
        #expect(PayloadFinalizer.finalize(entry, isBacklog: false) == entry.payload)
    }

    @Test func correctedTimeReplacesTheUnsyncedOneBeforeSending() throws {
        var entry = Self.routing.entry(for: Self.event(wallNs: 5_000_000_000, synced: false), seq: 7)
        let before = try Self.json(PayloadFinalizer.finalize(entry, isBacklog: false))
        #expect(before["time"] as? String == "1970-01-01T00:00:05.000Z")
        #expect(before["time_synced"] as? Bool == false)
        // What Outbox.correctTimes does to the row once the clock synced.
        entry.wallNs = 1_795_000_000_123_000_000
        entry.timeSynced = true
        let after = try Self.json(PayloadFinalizer.finalize(entry, isBacklog: false))
        #expect(after["time"] as? String == WallTime.rfc3339(ns: 1_795_000_000_123_000_000))
        #expect(after["time_synced"] as? Bool == true)
        #expect(after["data"] as? [String: Double] == ["speed_mps": 2.21], "the rest is intact")
        #expect(after["historical"] == nil)
    }

    @Test func backlogIsMarkedHistoricalOnce() throws {
        let entry = Self.routing.entry(for: Self.event(synced: true), seq: 3)
        let once = PayloadFinalizer.finalize(entry, isBacklog: true)
        #expect(try Self.json(once)["historical"] as? Bool == true)
        var again = entry
        again.payload = once
        #expect(PayloadFinalizer.finalize(again, isBacklog: true) == once)
    }

    @Test func statusAndRecordsAreNeverEdited() {
        let status = EntryFactory.status(1)
        #expect(PayloadFinalizer.finalize(status, isBacklog: true) == status.payload)
    }
}
