import Foundation
import HoistWatchAgentTestSupport
import HoistWatchCore
import HoistWatchTestSupport
import Testing

@testable import HoistWatchAgent

@Suite struct OutboxTests {
    @Test func pendingIsAlarmsFirstThenSeqOrder() throws {
        let dir = try TestDirectory()
        let outbox = try Outbox(path: dir.file("outbox.db"))
        let classes: [OutboxPriority] = [.info, .alarm, .warning, .info, .alarm, .warning, .info]
        for priority in classes {
            try outbox.appendEvent { EntryFactory.event(priority, seq: $0) }
        }
        try outbox.append(EntryFactory.status(1))
        let pending = try outbox.pending(limit: 100)
        #expect(pending.map(\.priority) == [.alarm, .alarm, .warning, .warning, .info, .info, .info, .status])
        #expect(pending.compactMap(\.seq) == [2, 5, 3, 6, 1, 4, 7])
        #expect(pending.last?.seq == nil)
        #expect(pending.last?.retained == true)
        #expect(try outbox.lastSeq() == 7)

        let excluding = try outbox.pending(limit: 2, excluding: ["evt-2", "evt-5"])
        #expect(excluding.compactMap(\.seq) == [3, 6])
    }

    /// An entry the link sets aside leaves the outbox, counts as a drop of its class and is kept in `set_aside`
    /// (its bytes as they were), which keeps its newest `setAsideKept` rows.
    @Test func anEntrySetAsideIsCountedAndKeptAmongTheNewestSetAside() throws {
        let dir = try TestDirectory()
        let outbox = try Outbox(path: dir.file("outbox.db"))
        let count = Outbox.setAsideKept + 4
        for _ in 0..<count { try outbox.appendEvent { EntryFactory.event(.alarm, seq: $0) } }
        let first = try #require(try outbox.pending(limit: 1).first)
        #expect(try outbox.setAside(id: first.id))
        #expect(try !outbox.setAside(id: first.id), "once")
        #expect(try outbox.droppedCounts()[.alarm] == 1 && outbox.depth().count == count - 1)
        let kept = try outbox.state.withLock { state in
            try state.db.scalarInt64(
                "SELECT count(*) FROM set_aside WHERE id = '\(first.id)' AND payload = x'\(first.payload.map { String(format: "%02x", $0) }.joined())'"
            )
        }
        #expect(kept == 1, "the row as it was")
        for entry in try outbox.pending(limit: count) { try outbox.setAside(id: entry.id) }
        let rows = try outbox.state.withLock { try $0.db.scalarInt64("SELECT count(*) FROM set_aside") }
        #expect(rows == Int64(Outbox.setAsideKept))
        let oldest = try outbox.state.withLock { try $0.db.scalarInt64("SELECT min(seq) FROM set_aside") }
        #expect(oldest == 5, "the newest kept")
        #expect(try outbox.droppedCounts()[.alarm] == Int64(count) && outbox.depth().count == 0)
    }

    /// The link's refill reads after a per-class cursor: what was handed out is not read again, a later alarm still
    /// goes before waiting warnings, and a cursor back at `.start` with the exclusion test finds a refused entry.
    @Test func pendingAfterACursorReadsOnlyWhatWasNotHandedOut() throws {
        let dir = try TestDirectory()
        let outbox = try Outbox(path: dir.file("outbox.db"))
        for priority: OutboxPriority in [.warning, .warning, .alarm, .warning] {
            try outbox.appendEvent { EntryFactory.event(priority, seq: $0) }
        }
        var cursor = OutboxSendCursor.start
        let first = try outbox.pending(limit: 2, after: cursor) { _ in false }
        #expect(first.compactMap(\.seq) == [3, 1])
        for entry in first { cursor.advance(past: entry) }
        #expect(cursor.position(in: .alarm) == first[0].position)
        #expect(cursor.position(in: .info) == 0)

        try outbox.appendEvent { EntryFactory.event(.alarm, seq: $0) }
        let second = try outbox.pending(limit: 10, after: cursor) { _ in false }
        #expect(second.compactMap(\.seq) == [5, 2, 4], "the new alarm first, then the warnings not yet handed out")

        // evt-2 was refused by the client: from the start again, skipping what is still in flight.
        let inFlight: Set<String> = ["evt-1", "evt-3", "evt-4", "evt-5"]
        let retry = try outbox.pending(limit: 10, after: .start) { inFlight.contains($0) }
        #expect(retry.compactMap(\.seq) == [2])
    }

    /// The link tells backlog from live by "position <= highest position at CONNACK", so a position must never be
    /// handed out again after the rows above it were acknowledged (found by the broker-outage process test).
    @Test func positionsAreNeverReusedAfterRemovals() throws {
        let dir = try TestDirectory()
        let outbox = try Outbox(path: dir.file("outbox.db"))
        for _ in 0..<3 { try outbox.appendEvent { EntryFactory.event(.warning, seq: $0) } }
        let boundary = try outbox.highestPosition()
        #expect(try outbox.remove(ids: ["evt-2", "evt-3"]) == 2)
        try outbox.appendEvent { EntryFactory.event(.alarm, seq: $0) }
        let fresh = try #require(try outbox.pending(limit: 10).first { $0.id == "evt-4" })
        #expect(fresh.position > boundary)
        #expect(try outbox.remove(ids: ["evt-1", "evt-4", "evt-9"]) == 2, "unknown ids are skipped")
        try outbox.appendEvent { EntryFactory.event(.alarm, seq: $0) }
        #expect(try outbox.pending(limit: 10).first?.position ?? 0 > fresh.position, "not even when empty")
    }

    /// Group commit: a batch gets consecutive seqs in one transaction, and a failing item stores none of it.
    @Test func batchAppendIsAllOrNothing() throws {
        struct Refused: Error {}
        let dir = try TestDirectory()
        let outbox = try Outbox(path: dir.file("outbox.db"))
        let results = try outbox.append(batch: [
            .event { EntryFactory.event(.alarm, seq: $0) }, .message(EntryFactory.status(1)),
            .event { EntryFactory.event(.info, seq: $0) },
        ])
        #expect(results.map(\.seq) == [1, nil, 2] && results.allSatisfy(\.stored))
        #expect(throws: (any Error).self) {
            try outbox.append(batch: [
                .event { EntryFactory.event(.alarm, seq: $0) }, .event { _ in throw Refused() },
            ])
        }
        #expect(try outbox.depth().count == 3)
        #expect(try outbox.lastSeq() == 2, "the failed batch used no seq")
        try outbox.appendEvent { EntryFactory.event(.warning, seq: $0) }
        #expect(try outbox.lastSeq() == 3)
    }

    @Test func removeAndDepth() throws {
        let dir = try TestDirectory()
        let outbox = try Outbox(path: dir.file("outbox.db"))
        try outbox.appendEvent { EntryFactory.event(.warning, seq: $0, monoNs: 50) }
        try outbox.appendEvent { EntryFactory.event(.alarm, seq: $0, monoNs: 60) }
        var depth = try outbox.depth()
        #expect(depth.count == 2)
        #expect(depth.oldestMonoNs == 50)
        #expect(depth.countByPriority == [.warning: 1, .alarm: 1])
        let bytes = depth.bytes
        #expect(try outbox.remove(id: "evt-1"))
        #expect(try !outbox.remove(id: "evt-1"))
        depth = try outbox.depth()
        #expect(depth.count == 1)
        #expect(depth.oldestMonoNs == 60)
        #expect(depth.bytes < bytes)
        #expect(try outbox.remove(id: "evt-2"))
        depth = try outbox.depth()
        #expect(depth.count == 0 && depth.bytes == 0 && depth.oldestMonoNs == nil)
    }

    @Test func seqAndSessionSurviveReopen() throws {
        let dir = try TestDirectory()
        let path = dir.file("outbox.db")
        do {
            let outbox = try Outbox(path: path)
            for _ in 0..<3 { try outbox.appendEvent { EntryFactory.event(.info, seq: $0) } }
            try outbox.recordSession(1)
            #expect(try outbox.session() == 1)
            try outbox.recordSession(2)
            #expect(try outbox.session() == 2)
            try outbox.remove(id: "evt-3")
        }
        let reopened = try Outbox(path: path)
        #expect(try reopened.lastSeq() == 3)
        #expect(try reopened.session() == 2)
        let result = try reopened.appendEvent { EntryFactory.event(.info, seq: $0) }
        #expect(result.seq == 4)
        #expect(try reopened.pending(limit: 10).compactMap(\.seq) == [1, 2, 4])
    }

    @Test func seqIsAssignedAtomicallyUnderConcurrentAppends() async throws {
        let dir = try TestDirectory()
        let outbox = try Outbox(path: dir.file("outbox.db"))
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<25 { _ = try? outbox.appendEvent { EntryFactory.event(.info, seq: $0) } }
                }
            }
        }
        let seqs = try outbox.pending(limit: 1000).compactMap(\.seq)
        #expect(seqs == Array(1...100))
    }

    @Test func fullOutboxDropsStatusThenInfoThenWarningsThenAlarms() throws {
        let dir = try TestDirectory()
        let path = dir.file("outbox.db")
        let entrySize = EntryFactory.event(.info, seq: 10).storedBytes
        // Room for exactly six entries of this size (statuses are a little smaller).
        let outbox = try Outbox(path: path, capBytes: entrySize * 6)
        try outbox.append(EntryFactory.status(1))
        try outbox.appendEvent { EntryFactory.event(.info, seq: $0) }  // 1
        try outbox.appendEvent { EntryFactory.event(.warning, seq: $0) }  // 2
        try outbox.append(EntryFactory.status(2))
        try outbox.appendEvent { EntryFactory.event(.info, seq: $0) }  // 3
        try outbox.appendEvent { EntryFactory.event(.alarm, seq: $0) }  // 4
        #expect(try outbox.depth().count == 6)
        #expect(try outbox.droppedCounts().total == 0)

        // Each further alarm pushes out the least important, oldest entry.
        var result = try outbox.appendEvent { EntryFactory.event(.alarm, seq: $0) }  // 5
        #expect(result.stored && result.dropped.status == 1)
        #expect(try outbox.pending(limit: 10).contains { $0.id == "status-1" } == false)
        result = try outbox.appendEvent { EntryFactory.event(.alarm, seq: $0) }  // 6
        #expect(result.dropped.status == 1)
        result = try outbox.appendEvent { EntryFactory.event(.alarm, seq: $0) }  // 7
        #expect(result.dropped.info == 1)
        #expect(try outbox.pending(limit: 10).compactMap(\.seq).contains(1) == false, "oldest info goes first")
        result = try outbox.appendEvent { EntryFactory.event(.alarm, seq: $0) }  // 8
        #expect(result.dropped.info == 1)
        result = try outbox.appendEvent { EntryFactory.event(.alarm, seq: $0) }  // 9
        #expect(result.dropped.warning == 1)
        result = try outbox.appendEvent { EntryFactory.event(.alarm, seq: $0) }  // 10
        #expect(result.dropped.alarm == 1, "only alarms left: the oldest alarm goes")
        #expect(try outbox.pending(limit: 10).compactMap(\.seq) == [5, 6, 7, 8, 9, 10])

        // A less important entry than everything stored is itself dropped, but its seq is used (a visible gap).
        result = try outbox.appendEvent { EntryFactory.event(.info, seq: $0) }  // 11
        #expect(!result.stored && result.seq == 11 && result.dropped.info == 1)
        #expect(try outbox.lastSeq() == 11)

        // An entry larger than the whole cap is dropped too.
        var huge = EntryFactory.event(.alarm, seq: 0)
        huge.payload = Array(repeating: 0x41, count: Int(entrySize * 7))
        result = try outbox.appendEvent { seq in
            huge.seq = seq
            huge.id = "huge"
            return huge
        }
        #expect(!result.stored && result.dropped.alarm == 1)

        let expected = OutboxDropCounters(alarm: 2, warning: 1, info: 3, status: 2)
        #expect(try outbox.droppedCounts() == expected)
        #expect(try outbox.depth().bytes <= outbox.capBytes)
        // Counters are persisted.
        let reopened = try Outbox(path: path, capBytes: entrySize * 6)
        #expect(try reopened.droppedCounts() == expected)
        #expect(try reopened.depth().count == 6)
    }

    @Test func correctTimesRewritesOnlyUnsyncedEntriesOfThatBoot() throws {
        let dir = try TestDirectory()
        let outbox = try Outbox(path: dir.file("outbox.db"))
        try outbox.appendEvent { EntryFactory.event(.info, seq: $0, bootId: "old", monoNs: 5, synced: false) }
        try outbox.appendEvent { EntryFactory.event(.info, seq: $0, bootId: "now", monoNs: 7, synced: false) }
        try outbox.appendEvent { EntryFactory.event(.info, seq: $0, bootId: "now", monoNs: 9, synced: true) }
        let changed = try outbox.correctTimes(bootId: "now", wallMinusMonoNs: 1_000_000)
        #expect(changed == 1)
        let pending = try outbox.pending(limit: 10)
        #expect(pending[0].timeSynced == false && pending[0].wallNs == 5)
        #expect(pending[1].timeSynced && pending[1].wallNs == 1_000_007)
        #expect(pending[2].wallNs == 1_700_000_000_000_000_000)
    }

    @Test func duplicateIdIsRefusedWithoutUsingASeq() throws {
        let dir = try TestDirectory()
        let outbox = try Outbox(path: dir.file("outbox.db"))
        try outbox.append(EntryFactory.status(1))
        #expect(throws: OutboxError.self) { try outbox.append(EntryFactory.status(1)) }
        try outbox.appendEvent { EntryFactory.event(.info, seq: $0) }
        #expect(throws: OutboxError.self) { try outbox.appendEvent { _ in EntryFactory.event(.info, seq: 1) } }
        #expect(try outbox.lastSeq() == 1, "the failed append rolled back its seq")
    }

    @Test func garbageFileIsAClearErrorNamingTheFile() throws {
        let dir = try TestDirectory()
        let path = dir.file("garbage.db")
        let garbage = (0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        _ = FileManager.default.createFile(atPath: path, contents: Data(garbage))
        let error = try #require(throws: OutboxError.self) { _ = try Outbox(path: path) }
        #expect(error.code == .notADatabase)
        #expect(error.description.contains(path))
        #expect(error.description.contains("not an SQLite database"))
    }

    @Test func damagedDatabaseIsAClearErrorNamingTheFile() throws {
        let dir = try TestDirectory()
        let path = dir.file("damaged.db")
        do {
            let outbox = try Outbox(path: path)
            for _ in 0..<200 {
                try outbox.appendEvent { seq in
                    var entry = EntryFactory.event(.info, seq: seq)
                    entry.payload += Array(repeating: 0x20, count: 500)
                    return entry
                }
            }
        }
        // Fold the WAL into the main file, then scribble over pages in the middle of it.
        _ = try runProgram("/usr/bin/sqlite3", [path, "PRAGMA wal_checkpoint(TRUNCATE);"])
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.seek(toOffset: 4096 * 3)
        handle.write(Data(repeating: 0xA5, count: 4096 * 4))
        try handle.close()
        // Found at open (quick_check), or by the first read: then nothing is sent and the damage is reported as
        // a storage failure (`storage_fault`, cause `corrupt`) instead of stopping the link.
        do {
            let outbox = try Outbox(path: path)
            let pending = try outbox.pending(limit: 1000)
            #expect(outbox.storageHealth().failures[.corrupt, default: 0] >= 1, "read \(pending.count) entries")
        } catch {
            #expect(error.code == .corrupt || error.code == .notADatabase)
            #expect(error.description.contains(path))
        }
    }

    @Test func missingFolderIsAClearError() throws {
        let path = "/nonexistent-hoistwatch-folder/outbox.db"
        let error = try #require(throws: OutboxError.self) { _ = try Outbox(path: path) }
        #expect(error.code == .cannotOpen)
        #expect(error.description.contains(path))
    }

    @Test func usesWalWithFullSync() throws {
        let dir = try TestDirectory()
        let outbox = try Outbox(path: dir.file("outbox.db"))
        let (mode, sync) = try outbox.state.withLock { state in
            (try state.db.scalarText("PRAGMA journal_mode"), try state.db.scalarInt64("PRAGMA synchronous"))
        }
        #expect(mode == "wal")
        #expect(sync == 2, "2 is FULL")
    }
}

extension OutboxDropCounters {
    init(alarm: Int64, warning: Int64, info: Int64, status: Int64) {
        self.init()
        self.alarm = alarm
        self.warning = warning
        self.info = info
        self.status = status
    }
}
