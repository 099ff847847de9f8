import HoistWatchCore
import Testing

@testable import HoistWatchAgent

/// What the outbox holds in memory while its database cannot store: the cap, mqtt.md's drop order (status first,
/// alarms last), acknowledgement, send order.
@Suite struct UnsavedEntriesTests {
    static func held(_ entries: [OutboxEntry], capBytes: Int64) -> (UnsavedEntries, [Bool]) {
        var unsaved = UnsavedEntries(capBytes: capBytes)
        var position: Int64 = 0
        let results = entries.map { entry in
            var entry = entry
            position += 1
            entry.position = position
            return unsaved.add(entry)
        }
        return (unsaved, results)
    }

    static func record(for seq: Int64, bytes: Int) -> OutboxEntry {
        OutboxEntry(
            id: "record-evt-\(seq)", priority: .alarm, topic: "\(EntryFactory.prefix)/record/evt-\(seq)",
            payload: [UInt8](repeating: 0x41, count: bytes), monoNs: 1, bootId: "boot-a", wallNs: 1, timeSynced: true)
    }

    @Test func heldEntriesAreNotDurableAndGoAlarmsFirst() {
        let entries = [
            EntryFactory.status(1), EntryFactory.event(.info, seq: 1), EntryFactory.event(.alarm, seq: 2),
            EntryFactory.event(.warning, seq: 3), EntryFactory.event(.alarm, seq: 4),
        ]
        let (unsaved, results) = Self.held(entries, capBytes: 1 << 20)
        #expect(results.allSatisfy { $0 })
        let pending = unsaved.pending(limit: 10, after: .start) { _ in false }
        #expect(pending.map(\.id) == ["evt-2", "evt-4", "evt-3", "evt-1", "status-1"])
        #expect(pending.allSatisfy { !$0.durable })
        #expect(unsaved.waitingCount == 5)
    }

    /// Over the cap: status first, then info, warnings, alarms last; the counts say what went.
    @Test func theCapDropsStatusFirstAndAlarmsLast() {
        let size = EntryFactory.event(.alarm, seq: 1).storedBytes
        let entries = [
            EntryFactory.event(.alarm, seq: 1), EntryFactory.event(.warning, seq: 2), EntryFactory.status(1),
            EntryFactory.event(.info, seq: 3), EntryFactory.event(.alarm, seq: 4), EntryFactory.event(.alarm, seq: 5),
        ]
        // Room for four event-sized entries (sizes differ by a few bytes: class names, the status's shorter payload).
        let (unsaved, results) = Self.held(entries, capBytes: 4 * size + 8)
        #expect(results == [true, true, true, true, true, true])
        let kept = unsaved.pending(limit: 10, after: .start) { _ in false }.map(\.id)
        #expect(kept == ["evt-1", "evt-4", "evt-5", "evt-2"], "status and info went first")
        #expect(unsaved.dropped.status == 1)
        #expect(unsaved.dropped.info == 1)
        #expect(unsaved.dropped.alarm == 0)
        #expect(unsaved.bytes <= 4 * size + 8)
    }

    /// A new entry less important than everything held is dropped itself; within the alarm class a flight record
    /// goes before an alarm event.
    @Test func aLessImportantNewEntryIsDroppedItselfAndRecordsGoBeforeAlarms() {
        let size = EntryFactory.event(.alarm, seq: 1).storedBytes
        var (unsaved, _) = Self.held(
            [EntryFactory.event(.alarm, seq: 1), EntryFactory.event(.alarm, seq: 2)], capBytes: 2 * size)
        var warning = EntryFactory.event(.warning, seq: 3)
        warning.position = 3
        let added = unsaved.add(warning)
        #expect(!added)
        #expect(unsaved.dropped.warning == 1)

        let recordSize = Int(size) - Self.record(for: 9, bytes: 0).topic.utf8.count - 64 - "record-evt-9".utf8.count
        var (withRecord, _) = Self.held(
            [EntryFactory.event(.alarm, seq: 1), Self.record(for: 1, bytes: recordSize)], capBytes: 2 * size + 64)
        var alarm = EntryFactory.event(.alarm, seq: 2)
        alarm.position = 3
        let addedAlarm = withRecord.add(alarm)
        #expect(addedAlarm)
        #expect(withRecord.pending(limit: 10, after: .start) { _ in false }.map(\.id) == ["evt-1", "evt-2"])
        #expect(withRecord.dropped.alarm == 1, "the flight record, counted in its alarm's class")
    }

    /// An acknowledged event is not sent again; it is kept (for its history row) but goes first at the cap, uncounted.
    @Test func acknowledgedEntriesAreNotSentAndGoFirst() {
        let size = EntryFactory.event(.alarm, seq: 1).storedBytes
        var (unsaved, _) = Self.held(
            [EntryFactory.event(.alarm, seq: 1), EntryFactory.status(1), EntryFactory.event(.info, seq: 2)],
            capBytes: 3 * size)
        let found = unsaved.acknowledge(["evt-1", "status-1", "other"])
        #expect(found == ["evt-1", "status-1"])
        #expect(unsaved.pending(limit: 10, after: .start) { _ in false }.map(\.id) == ["evt-2"])
        #expect(unsaved.items.count == 2, "the status is forgotten, the event kept for its history row")
        var next = EntryFactory.event(.info, seq: 3)
        next.position = 9
        var another = EntryFactory.event(.info, seq: 4)
        another.position = 10
        let addedNext = unsaved.add(next)
        let addedAnother = unsaved.add(another)
        #expect(addedNext && addedAnother)
        #expect(unsaved.items.map(\.entry.id) == ["evt-2", "evt-3", "evt-4"])
        #expect(unsaved.dropped.total == 0)
    }

    @Test func anEntryLargerThanTheCapIsDropped() {
        var unsaved = UnsavedEntries(capBytes: 100)
        let added = unsaved.add(Self.record(for: 1, bytes: 200))
        #expect(!added)
        #expect(unsaved.dropped.alarm == 1)
        #expect(unsaved.isEmpty)
    }
}
