import Foundation
import HoistWatchTestSupport
import Testing

@testable import HoistWatchAgent

/// The local history of mqtt.md, in the outbox's database: written with the outbox, pruned on its own terms.
@Suite struct OutboxHistoryTests {
    static let day: Int64 = 86_400_000_000_000
    static let now: Int64 = 1_800_000_000_000_000_000

    static func status(wallNs: Int64, synced: Bool = true, bytes: Int = 100) -> OutboxEntry {
        OutboxEntry(
            id: "h-\(wallNs)-\(UUID().uuidString.prefix(6))", priority: .status, topic: "t",
            payload: Array(String(repeating: "x", count: bytes).utf8), monoNs: 1, bootId: "b",
            wallNs: wallNs, timeSynced: synced)
    }

    @Test func everyEventIsKeptAfterThePubackAndAfterACapDrop() throws {
        let dir = try TestDirectory()
        // A cap of about three entries: the fourth info event pushes the first out of the outbox.
        let outbox = try Outbox(path: dir.file("outbox.db"), capBytes: 320)  // about three events
        for _ in 0..<4 { try outbox.appendEvent { EntryFactory.event(.info, seq: $0) } }
        try outbox.append(EntryFactory.status(1))  // a status message goes to the outbox, not the history
        #expect(try outbox.remove(ids: ["evt-2", "evt-3"]) == 2)  // acknowledged
        let history = try outbox.history(sinceWallNs: .min, kinds: [.event, .status], limit: 100)
        #expect(history.map(\.seq) == [1, 2, 3, 4])
        #expect(history.allSatisfy { $0.kind == .event })
        #expect(try outbox.droppedCounts()[.info] >= 1, "the outbox did drop something")
        #expect(String(decoding: history[0].payload, as: UTF8.self) == "{\"seq\":1,\"class\":\"info\"}")
    }

    @Test func prunesByAgeOnlySyncedRowsAndOnlyWhileTheClockIsSynced() throws {
        let dir = try TestDirectory()
        let outbox = try Outbox(path: dir.file("outbox.db"))
        let policy = Outbox.HistoryPolicy(days: 30, capBytes: 1 << 30)
        try outbox.appendHistoryStatus(Self.status(wallNs: Self.now - 31 * Self.day), policy: policy, nowWallNs: nil)
        try outbox.appendHistoryStatus(Self.status(wallNs: 5, synced: false), policy: policy, nowWallNs: nil)
        try outbox.appendHistoryStatus(Self.status(wallNs: Self.now - 29 * Self.day), policy: policy, nowWallNs: nil)
        #expect(
            try outbox.history(sinceWallNs: .min, kinds: [.status], limit: 10).count == 3, "no clock, no age pruning")
        let pruned = try outbox.appendHistoryStatus(Self.status(wallNs: Self.now), policy: policy, nowWallNs: Self.now)
        #expect(pruned == 1)
        let left = try outbox.history(sinceWallNs: .min, kinds: [.status], limit: 10)
        #expect(left.map(\.wallNs) == [5, Self.now - 29 * Self.day, Self.now], "a 1970 row of an unsynced boot stays")
    }

    @Test func prunesOldestFirstOverTheCapAndNeverTouchesTheOutbox() throws {
        let dir = try TestDirectory()
        let outbox = try Outbox(path: dir.file("outbox.db"))
        for _ in 0..<3 { try outbox.appendEvent { EntryFactory.event(.alarm, seq: $0) } }
        let policy = Outbox.HistoryPolicy(days: 30, capBytes: 1000)
        var pruned = 0
        for index in 0..<10 {
            pruned += try outbox.appendHistoryStatus(
                Self.status(wallNs: Self.now + Int64(index)), policy: policy,
                nowWallNs: Self.now)
        }
        let left = try outbox.history(sinceWallNs: .min, kinds: [.event, .status], limit: 100)
        #expect(pruned > 0)
        #expect(left.count == 13 - pruned)
        #expect(left.last?.wallNs == Self.now + 9, "the newest stays")
        #expect(left.first?.kind == .status, "the oldest rows (the events) went first")
        #expect(try outbox.pending(limit: 10).compactMap(\.seq) == [1, 2, 3], "the outbox keeps its alarms")
    }

    @Test func clockCorrectionReachesTheHistory() throws {
        let dir = try TestDirectory()
        let outbox = try Outbox(path: dir.file("outbox.db"))
        try outbox.appendEvent { EntryFactory.event(.info, seq: $0, bootId: "now", monoNs: 7, synced: false) }
        try outbox.correctTimes(bootId: "now", wallMinusMonoNs: 1_000_000)
        let row = try #require(try outbox.history(sinceWallNs: .min, kinds: [.event], limit: 1).first)
        #expect(row.timeSynced && row.wallNs == 1_000_007)
    }

    /// The outbox and meta tables as schema version 1 made them (2 added the history, 3 the rows' `format`).
    static let versionOneTables = """
        CREATE TABLE outbox(position INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, seq INTEGER,
            priority INTEGER NOT NULL, topic TEXT NOT NULL, payload BLOB NOT NULL, retained INTEGER NOT NULL,
            mono_ns INTEGER NOT NULL, boot_id TEXT NOT NULL, wall_ns INTEGER NOT NULL,
            time_synced INTEGER NOT NULL, bytes INTEGER NOT NULL);
        CREATE INDEX outbox_send_order ON outbox(priority, position);
        CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;

        """

    @Test func aVersionOneOutboxGainsTheHistoryAndKeepsItsEntries() throws {
        let dir = try TestDirectory()
        let path = dir.file("outbox.db")
        do {
            let db = try SQLiteConnection(path: path)
            try db.execute(
                Self.versionOneTables + """
                    INSERT INTO outbox(id, seq, priority, topic, payload, retained, mono_ns, boot_id, wall_ns, time_synced,
                        bytes) VALUES('evt-1', 1, 0, 't', x'7b7d', 0, 1, 'b', 1, 1, 70);
                    INSERT INTO meta VALUES('last_seq', 1);
                    PRAGMA user_version = 1;
                    """)
        }
        #expect(throws: OutboxError.self) {
            try Outbox.readHistory(path: path, sinceWallNs: .min, kinds: [.event], limit: 10)
        }
        let outbox = try Outbox(path: path)
        #expect(try outbox.pending(limit: 10).map(\.id) == ["evt-1"])
        try outbox.appendEvent { EntryFactory.event(.alarm, seq: $0) }
        #expect(try Outbox.readHistory(path: path, sinceWallNs: .min, kinds: [.event], limit: 10).map(\.seq) == [2])
    }

    @Test func aVersionTwoOutboxKeepsSendingItsRowsAsTheyWereStored() throws {
        let dir = try TestDirectory()
        let path = dir.file("outbox.db")
        let legacy = #"{"schema":"hoistwatch.event/1","id":"evt-1","seq":1}"#
        do {
            let db = try SQLiteConnection(path: path)
            try db.execute(
                Self.versionOneTables + """
                    INSERT INTO outbox(id, seq, priority, topic, payload, retained, mono_ns, boot_id, wall_ns, time_synced,
                        bytes) VALUES('evt-1', 1, 0, 't', '\(legacy)', 0, 1, 'b', 1, 1, 70);
                    INSERT INTO meta VALUES('last_seq', 1);
                    """ + Outbox.historySchema + """
                        INSERT INTO history(kind, id, seq, mono_ns, boot_id, wall_ns, time_synced, payload, bytes)
                            VALUES(0, 'evt-1', 1, 1, 'b', 1, 1, '\(legacy)', 70);
                        PRAGMA user_version = 2;
                        """)
        }
        // `hoistwatch history` on a file the agent has not upgraded yet.
        let old = try Outbox.readHistory(path: path, sinceWallNs: .min, kinds: [.event], limit: 10)
        #expect(old.map { String(decoding: $0.payloadAsSent, as: UTF8.self) } == [legacy])
        let outbox = try Outbox(path: path)
        let entry = try #require(try outbox.pending(limit: 10).first)
        #expect(entry.event == nil)
        #expect(String(decoding: entry.payloadToSend(isBacklog: true), as: UTF8.self) == legacy)
        try outbox.appendEvent { EntryFactory.storedEvent(.alarm, seq: $0) }
        let rows = try Outbox.readHistory(path: path, sinceWallNs: .min, kinds: [.event], limit: 10)
        #expect(rows.map(\.seq) == [1, 2])
        #expect(rows.map { $0.event?.id } == [nil, "evt-2"])
    }
}
