import Foundation
import HoistWatchCore
import HoistWatchTestSupport
import Testing

@testable import HoistWatchAgent

/// What a failing card returns: altered bytes inside stored payloads (SQLite's own checks pass them), and database
/// files that are garbage, truncated or without their header at start.
@Suite struct OutboxCorruptionTests {
    /// Overwrites `count` bytes in the middle of every occurrence of `marker` in the file: a page a card returned
    /// altered. Returns how many occurrences it changed.
    static func scribble(over marker: String, in path: String) throws -> Int {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let needle = Array(marker.utf8)
        var changed = 0
        var index = 0
        while index + needle.count <= bytes.count {
            if bytes[index..<index + needle.count].elementsEqual(needle) {
                for offset in 2..<6 { bytes[index + needle.count + offset] ^= 0x5A }
                changed += 1
                index += needle.count
            } else {
                index += 1
            }
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return changed
    }

    static func record(_ n: Int, marker: String) -> OutboxEntry {
        OutboxEntry(
            id: "record-\(n)", priority: .alarm, topic: "hw/dev1/record/\(n)",
            payload: Array("\(marker)\(String(repeating: "0123456789", count: 30))".utf8), monoNs: 1, bootId: "b",
            wallNs: 1, timeSynced: true)
    }

    static func event(_ seq: Int64, marker: String) -> OutboxEntry {
        let event = Event(
            id: "evt-\(seq)", seq: seq, deviceId: "dev1", type: .overspeed, transition: .raised, severity: .alarm,
            monoNs: 1_000, bootId: "b", wallNs: 1_700_000_000_000_000_000, timeSynced: true,
            data: ["note": .text("\(marker)-padding-padding-padding")])
        return OutboxEntry(event: event, priority: .alarm, topic: "hw/dev1/event")
    }

    /// Altered payload bytes: the damaged entries are never returned for sending, they are moved aside, counted as
    /// `corrupt` and as drops of their class; the others are sent as stored.
    @Test func damagedPayloadsAreNeverSentAndAreCounted() throws {
        let dir = try TestDirectory()
        let path = dir.file("outbox.db")
        do {
            let outbox = try Outbox(path: path, reserveBytes: 0)
            for n in 1...10 {
                try outbox.append(Self.record(n, marker: n % 3 == 0 ? "DAMAGE-ME" : "KEEP-ME-1"))
                try outbox.appendEvent { Self.event($0, marker: n % 4 == 0 ? "DAMAGE-ME" : "KEEP-ME-2") }
            }
        }  // closed: the last connection folds the WAL into the file
        #expect(FileManager.default.fileExists(atPath: path + "-wal") == false)
        // The outbox holds the payloads once; the history a second copy of the events' (damaged too).
        let changed = try Self.scribble(over: "DAMAGE-ME", in: path)
        #expect(changed == 3 + 2 * 2)

        let outbox = try Outbox(path: path, reserveBytes: 0)
        let pending = try outbox.pending(limit: 100)
        #expect(pending.count == 20 - 5)
        for entry in pending {
            let text = String(decoding: entry.payloadToSend(isBacklog: false), as: UTF8.self)
            #expect(!text.contains("DAMAGE-ME") && text.contains("KEEP-ME"), "\(entry.id)")
        }
        #expect(outbox.storageHealth().corrupt == 5)
        #expect(try outbox.droppedCounts().alarm == 5, "each damaged entry is a counted drop of its class")
        // Moved aside: not read again, kept for inspection, the count persisted.
        #expect(try outbox.pending(limit: 100).count == 15)
        #expect(outbox.storageHealth().corrupt == 5)
        let setAside = try outbox.state.withLock { try $0.db.scalarInt64("SELECT count(*) FROM set_aside") }
        #expect(setAside == 5)
        let reopened = try Outbox(path: path, reserveBytes: 0)
        #expect(reopened.storageHealth().corrupt == 5)

        // Read back from the history: the damaged rows are flagged, never shown as they are.
        let history = try Outbox.readHistory(path: path, sinceWallNs: 0, kinds: [.event], limit: 100)
        let failed = history.filter { $0.checksumFailed }
        let shown = history.filter { !$0.checksumFailed }
        #expect(failed.count == 2)
        #expect(shown.count == 8)
        for row in shown { #expect(!String(decoding: row.payloadAsSent, as: UTF8.self).contains("DAMAGE-ME")) }
    }

    enum Damage: String, CaseIterable, Sendable {
        case garbage, truncatedHalf, headerDestroyed, emptied
    }

    /// A database file that cannot be used at start: moved aside with a timestamp (unless there is nothing to keep),
    /// a fresh outbox opened, and `seq` continues above what was handed out.
    @Test(arguments: Damage.allCases)
    func anUnusableDatabaseAtStartIsMovedAsideAndSeqDoesNotGoBack(damage: Damage) throws {
        let dir = try TestDirectory()
        let path = dir.file("outbox.db")
        do {
            let outbox = try Outbox(path: path, reserveBytes: 0)
            for _ in 0..<300 {
                try outbox.appendEvent { seq in
                    var entry = EntryFactory.event(.info, seq: seq)
                    entry.payload += Array(repeating: 0x20, count: 300)
                    return entry
                }
            }
        }
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        switch damage {
        case .garbage:
            try handle.write(contentsOf: Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 17) }))
        case .truncatedHalf:
            try handle.truncate(atOffset: UInt64(size / 2))
        case .headerDestroyed:
            try handle.write(contentsOf: Data(repeating: 0, count: 100))
        case .emptied:
            try handle.truncate(atOffset: 0)
        }
        try handle.close()

        let outbox = try Outbox.openRecovering(path: path, reserveBytes: 0, nowWallNs: 1_764_592_496_000_000_000)
        let recovery = try #require(outbox.recovery, "\(damage): reported")
        #expect(try outbox.lastSeq() >= 300, "\(damage): seq does not go back")
        #expect(recovery.resumedAfterSeq == (try outbox.lastSeq()))
        let next = try outbox.appendEvent { EntryFactory.event(.alarm, seq: $0) }
        #expect((next.seq ?? 0) > 300)
        if damage == .emptied {
            #expect(recovery.movedTo == nil, "nothing to keep: the high-water mark says where seq was")
        } else {
            let moved = try #require(recovery.movedTo)
            #expect(moved == "\(path).damaged-20251201T123456Z")
            #expect(FileManager.default.fileExists(atPath: moved))
        }
        #expect(try outbox.pending(limit: 10).map(\.seq) == [next.seq])
    }

    /// Without the high-water mark file, the seq continues above the highest seq the damaged file still shows.
    @Test func withoutTheMarkSeqContinuesAboveTheHighestReadable() throws {
        let dir = try TestDirectory()
        let path = dir.file("outbox.db")
        do {
            let outbox = try Outbox(path: path, reserveBytes: 0)
            for _ in 0..<40 { try outbox.appendEvent { EntryFactory.event(.info, seq: $0) } }
        }
        unlink(path + ".seq")
        // A damaged page far from the meta table: quick_check fails, the last seq can still be read.
        _ = try runProgram(
            "/usr/bin/sqlite3", [path, "CREATE TABLE filler(x); INSERT INTO filler VALUES(zeroblob(200000));"])
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.seek(toOffset: UInt64(size - 4096 * 8))
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 4096 * 4))
        try handle.close()
        let outbox = try Outbox.openRecovering(path: path, reserveBytes: 0, nowWallNs: 0)
        let recovery = try #require(outbox.recovery)
        #expect(recovery.highestReadableSeq == 40)
        #expect(try outbox.lastSeq() == 40)
    }

    /// A power cut after the mark was written a block ahead but before the commit: the next start does not jump
    /// (the database is consistent with the mark); seqs published from memory and lost are not handed out again.
    @Test func theMarkMovesSeqOnlyOverSeqsThatWereHandedOut() throws {
        let dir = try TestDirectory()
        let path = dir.file("outbox.db")
        do {
            let outbox = try Outbox(path: path, reserveBytes: 0)
            for _ in 0..<5 { try outbox.appendEvent { EntryFactory.event(.info, seq: $0) } }
        }
        let mark = SeqHighWaterMark(path: path + ".seq")
        #expect(mark.read() == .init(reserved: 1001, published: 0))
        // As if the next batch had written its block and the power went before its commit.
        #expect(mark.write(.init(reserved: 2005, published: 0)))
        #expect(try Outbox(path: path, reserveBytes: 0).lastSeq() == 5)
        #expect(try Outbox(path: path, reserveBytes: 0).recovery == nil)
        // Seqs 6-9 were published from memory (the card failing) and lost with the agent.
        #expect(mark.write(.init(reserved: 2005, published: 9)))
        let outbox = try Outbox(path: path, reserveBytes: 0)
        #expect(try outbox.lastSeq() == 9)
        #expect(try outbox.appendEvent { EntryFactory.event(.info, seq: $0) }.seq == 10)
    }
}
