import Foundation
import HoistWatchCore
import HoistWatchTestSupport
import Testing

@testable import HoistWatchAgent

/// The outbox on a real small file system (a tmpfs the test mounts): full and read-only, as an SD card gets.
/// Needs root to mount; skipped with the reason otherwise.
@Suite(.serialized, .enabled(if: SmallFileSystem.isAvailable, "needs root to mount a tmpfs"))
struct OutboxStorageFailureTests {
    static func alarm(_ seq: Int64) -> OutboxEntry { EntryFactory.storedEvent(.alarm, seq: seq) }

    /// A full card: the first failure releases the reserve and the commit goes through; once that space is used
    /// too, events are held in memory, published marked not durable, and stored (with their seq) once space is back.
    @Test func aFullCardHoldsEventsInMemoryUntilSpaceReturns() throws {
        let fs = try SmallFileSystem(sizeMiB: 12)
        let path = "\(fs.path)/outbox.db"
        var outbox: Outbox? = try Outbox(path: path, reserveBytes: 1 << 20)
        #expect(outbox!.storageHealth().reserveHeld)
        try outbox!.appendEvent { Self.alarm($0) }
        fs.fill()

        // Append until the reserve is gone and memory takes them; each is still numbered.
        var results: [OutboxAppendResult] = []
        for _ in 0..<2000 {
            results.append(try outbox!.appendEvent { Self.alarm($0) })
            if results.last?.durable == false { break }
        }
        let health = outbox!.storageHealth()
        #expect(results.last?.durable == false, "the card never refused: \(health)")
        #expect(health.failures[.full, default: 0] >= 1)
        #expect(!health.reserveHeld, "released at the first ENOSPC")
        #expect(health.lastFailure == .full)
        let heldSeq = try #require(results.last?.seq)
        #expect(try outbox!.lastSeq() == heldSeq)

        // Published from memory, marked not durable.
        let pending = try outbox!.pending(limit: 10_000)
        let held = try #require(pending.first { $0.seq == heldSeq })
        #expect(!held.durable)
        let payload = try #require(jsonObject(String(decoding: held.payloadToSend(isBacklog: false), as: UTF8.self)))
        #expect(payload["durable"] as? Bool == false)
        #expect(payload["seq"] as? Int == Int(heldSeq))
        let others = pending.filter { $0.seq != heldSeq }
        #expect(others.allSatisfy { $0.durable })

        // Later appends go to memory without touching the database; a retry while still full keeps them.
        let second = try outbox!.appendEvent { Self.alarm($0) }
        #expect(second.durable == false && second.stored)
        #expect(try outbox!.retryUnsaved() == false)
        #expect(outbox!.storageHealth().unsavedCount == 2)

        // The broker acknowledges the first held one while the card is still full.
        #expect(try outbox!.remove(ids: [held.id]) == 1)
        #expect(try outbox!.pending(limit: 10_000).contains { $0.id == held.id } == false)

        fs.freeFillers()
        #expect(try outbox!.retryUnsaved())
        let after = outbox!.storageHealth()
        #expect(after.lastFailure == nil && after.unsavedHeld == 0)
        // The acknowledged one went to the history only; the other is stored and durable now.
        let stored = try outbox!.pending(limit: 10_000)
        #expect(stored.contains { $0.seq == second.seq && $0.durable })
        #expect(!stored.contains { $0.id == held.id })
        let history = try outbox!.history(sinceWallNs: 0, kinds: [.event], limit: 10_000)
        #expect(history.contains { $0.seq == heldSeq })
        #expect(history.contains { $0.seq == second.seq })
        outbox = nil
        let reopened = try Outbox(path: path, reserveBytes: 0)
        #expect(try reopened.lastSeq() == second.seq)
    }

    /// With the card full, acknowledged entries can still be removed (the reserve's space), so the outbox drains.
    @Test func acknowledgedEntriesCanBeRemovedOnAFullCard() throws {
        let fs = try SmallFileSystem(sizeMiB: 12)
        let outbox = try Outbox(path: "\(fs.path)/outbox.db", reserveBytes: 1 << 20)
        var ids: [String] = []
        for _ in 0..<200 {
            let result = try outbox.appendEvent { Self.alarm($0) }
            ids.append("evt-\(result.seq!)")
        }
        fs.fill()
        var refused = false
        for _ in 0..<5000 where !refused {
            refused = try outbox.appendEvent { Self.alarm($0) }.durable == false
        }
        #expect(refused)
        #expect(try outbox.remove(ids: ids) == ids.count)
        #expect(try outbox.depth().countByPriority[.alarm, default: 0] < 5000)
        #expect(try outbox.pending(limit: 10_000).allSatisfy { !ids.contains($0.id) })
    }

    /// A card the kernel turns read-only while the outbox is open (ext4 `errors=remount-ro` after a write error):
    /// as a full one, with cause `read_only`; it stays so until the card is remounted (a reboot, on a board).
    @Test func aCardTurnedReadOnlyHoldsEventsInMemory() throws {
        let fs = try SmallFileSystem(sizeMiB: 32, kind: .ext4)
        let outbox = try Outbox(path: "\(fs.path)/outbox.db", reserveBytes: 1 << 20)
        let first = try outbox.appendEvent { Self.alarm($0) }
        try fs.failReadOnly()
        let result = try outbox.appendEvent { Self.alarm($0) }
        #expect(result.durable == false && result.stored)
        #expect(result.seq == (first.seq ?? 0) + 1)
        #expect(outbox.storageHealth().lastFailure == .readOnly, "\(outbox.storageHealth())")
        let pending = try outbox.pending(limit: 10)
        #expect(pending.map(\.seq) == [first.seq, result.seq], "the stored one can still be read and sent")
        #expect(pending.last?.durable == false)
        #expect(try outbox.retryUnsaved() == false)
        #expect(outbox.storageHealth().failures[.readOnly, default: 0] >= 2)
        // The stored one's PUBACK cannot be written: it is not sent again meanwhile.
        #expect(try outbox.remove(ids: ["evt-\(first.seq!)"]) == 1)
        #expect(try outbox.pending(limit: 10).map(\.seq) == [result.seq])
    }

    /// A card read-only at start (`mount -o remount,ro` with the agent stopped): the outbox runs from memory; once the
    /// card is writable again, `reopenDurable()` opens the database and moves what memory held into it: same ids,
    /// seqs and order, the acknowledged one only in the history, the file's own waiting entries sent too, the session
    /// not going back, and from then on stored; `false`, changing nothing, while the card is still read-only.
    /// A database that kept its `-wal` and `-shm` (the agent stopped while another connection was open, or the power
    /// went) on a card read-only at start: SQLite would open it read-only without a word, and every write would fail
    /// for good. It is refused as read-only instead: memory only, tried again once the card is writable.
    @Test func aDatabaseWithItsLogOnACardReadOnlyAtStartIsMemoryOnlyUntilWritable() throws {
        let source = try SmallFileSystem(sizeMiB: 16)
        let fs = try SmallFileSystem(sizeMiB: 16)
        let path = "\(fs.path)/outbox.db"
        let durable = try Outbox(path: "\(source.path)/outbox.db", reserveBytes: 0)
        try durable.appendEvent { Self.alarm($0) }  // seq 1, in the -wal while the connection is open
        for suffix in ["", "-wal", "-shm"] {
            try FileManager.default.copyItem(atPath: "\(source.path)/outbox.db\(suffix)", toPath: path + suffix)
        }
        try fs.remountReadOnly()
        defer { try? fs.remountReadWrite() }

        let outbox = try Outbox.openRecovering(path: path, reserveBytes: 0, nowWallNs: 1_700_000_000_000_000_000)
        #expect(outbox.isMemoryOnly && outbox.storageHealth().lastFailure == .readOnly)
        let held = try outbox.appendEvent { Self.alarm($0) }
        #expect(try #require(held.seq) > 1 && !held.durable)
        #expect(outbox.reopenDurable() == false)

        try fs.remountReadWrite()
        #expect(outbox.reopenDurable())
        #expect(!outbox.isMemoryOnly && outbox.storageHealth().unsavedHeld == 0)
        #expect(try outbox.pending(limit: 10).map(\.id) == ["evt-1", "evt-\(held.seq!)"])
        withExtendedLifetime(durable) {}
    }

    @Test func aCardReadOnlyAtStartIsTriedAgainAndGetsWhatMemoryHeld() throws {
        let fs = try SmallFileSystem(sizeMiB: 16)
        let path = "\(fs.path)/outbox.db"
        var durable: Outbox? = try Outbox(path: path, reserveBytes: 1 << 20)
        try durable!.appendEvent { Self.alarm($0) }  // seq 1, waiting in the file
        try durable!.append(EntryFactory.status(1))
        try durable!.recordSession(3)
        durable = nil
        try fs.remountReadOnly()

        let outbox = try Outbox.openRecovering(path: path, reserveBytes: 1 << 20, nowWallNs: 1_700_000_000_000_000_000)
        #expect(outbox.isMemoryOnly && outbox.storageHealth().memoryOnly)
        #expect(outbox.storageHealth().lastFailure == .readOnly)
        // Seqs go on above the high-water mark (a block above what the file stored): nothing handed out repeats.
        let held = try (0..<3).map { _ in try outbox.appendEvent { Self.alarm($0) } }
        let first = try #require(held.first?.seq)
        #expect(first > 1 && held.map(\.seq) == [first, first + 1, first + 2])
        #expect(held.allSatisfy { !$0.durable && $0.stored })
        #expect(try outbox.remove(ids: ["evt-\(first)"]) == 1)  // delivered from memory before the card came back
        try outbox.recordSession(5)
        let inMemory = try outbox.pending(limit: 10)
        #expect(inMemory.map(\.seq) == [first + 1, first + 2], "only memory is read while memory only")

        // Still read-only: nothing changes.
        #expect(outbox.reopenDurable() == false)
        #expect(outbox.isMemoryOnly && outbox.storeGeneration() == 0)
        #expect(outbox.storageHealth().unsavedCount == 2)

        try fs.remountReadWrite()
        #expect(outbox.reopenDurable())
        #expect(!outbox.isMemoryOnly && outbox.storeGeneration() == 1)
        let health = outbox.storageHealth()
        #expect(health.lastFailure == nil && health.unsavedHeld == 0 && !health.memoryOnly, "\(health)")
        // The file's waiting alarm and status, then the held ones, stored now, in seq order and with their ids.
        let pending = try outbox.pending(limit: 10)
        #expect(
            pending.map(\.id) == ["evt-1", "evt-\(first + 1)", "evt-\(first + 2)", EntryFactory.status(1).id],
            "\(pending.map(\.id))")
        #expect(pending.allSatisfy { $0.durable })
        let positions = pending.prefix(3).map(\.position)
        #expect(positions == positions.sorted() && Set(positions).count == 3)
        let history = try outbox.history(sinceWallNs: 0, kinds: [.event], limit: 100)
        #expect(Set(history.compactMap(\.seq)) == [1, first, first + 1, first + 2])
        #expect(try outbox.session() == 5)
        #expect(outbox.reopenDurable(), "durable already")

        // Stored from now on, and all of it is there after a restart.
        let next = try outbox.appendEvent { Self.alarm($0) }
        #expect(next.seq == first + 3 && next.durable)
        let reopened = try Outbox(path: path, reserveBytes: 0)
        #expect(try reopened.lastSeq() == first + 3)
        #expect(try reopened.pending(limit: 10).compactMap(\.seq) == [1, first + 1, first + 2, first + 3])
    }
}
