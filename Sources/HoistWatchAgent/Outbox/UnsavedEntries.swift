/// What the outbox holds in memory while its database cannot store (a `storage_fault`: full, read-only, I/O
/// error): entries published from here, marked not durable, and retried to the database with every later append
/// and by the detection loop once a second. Bounded by `capBytes` of `OutboxEntry.storedBytes`.
///
/// Over the cap, entries are dropped in this order: entries the broker already acknowledged (only their local
/// history row is then lost), then status, info, warnings and alarms last (mqtt.md's order at the outbox cap),
/// within a class flight records before events, oldest first. A new entry less important than everything held is
/// itself dropped. Every drop of an unacknowledged entry is counted per class, for the status message.
///
/// A value type: the outbox keeps it under its lock.
struct UnsavedEntries: Sendable {
    /// One entry held in memory.
    struct Item: Sendable {
        /// The entry, with its `seq` and `position` (given when it was appended, as a stored one would get them).
        var entry: OutboxEntry
        /// The broker acknowledged it: it is not sent again, and kept only to store its history row and its seq.
        var acknowledged = false
    }

    /// The default cap: 8 MiB, three flight records of a few MB beside thousands of events.
    static let defaultCapBytes = Outbox.defaultUnsavedCapBytes

    let capBytes: Int64
    private(set) var items: [Item] = []
    private(set) var bytes: Int64 = 0
    /// Unacknowledged entries dropped at the cap since the database last stored the count.
    var dropped = OutboxDropCounters()
    /// Acknowledged entries dropped at the cap (history rows lost, nothing the platform misses).
    private(set) var droppedAcknowledged: Int64 = 0

    init(capBytes: Int64 = Self.defaultCapBytes) { self.capBytes = capBytes }

    /// Entries not yet acknowledged.
    var waitingCount: Int { items.count(where: { !$0.acknowledged }) }

    var isEmpty: Bool { items.isEmpty }

    /// Holds `entry`, making room by the drop order; false when the entry itself was dropped.
    mutating func add(_ entry: OutboxEntry) -> Bool {
        let size = entry.storedBytes
        guard size <= capBytes else {
            dropped[entry.priority] += 1
            return false
        }
        while bytes + size > capBytes {
            guard let victim = victimIndex(), isDroppable(items[victim], for: entry) else {
                dropped[entry.priority] += 1
                return false
            }
            let item = items.remove(at: victim)
            bytes -= item.entry.storedBytes
            if item.acknowledged { droppedAcknowledged += 1 } else { dropped[item.entry.priority] += 1 }
        }
        var held = entry
        held.durable = false
        items.append(Item(entry: held))
        bytes += size
        return true
    }

    /// Marks the entries of `ids` acknowledged (events are kept for their history row; other messages are
    /// forgotten); returns the ids that were held here.
    mutating func acknowledge(_ ids: [String]) -> Set<String> {
        let wanted = Set(ids)
        var found: Set<String> = []
        items.removeAll { item in
            guard wanted.contains(item.entry.id) else { return false }
            found.insert(item.entry.id)
            if item.entry.seq == nil {
                bytes -= item.entry.storedBytes
                return true
            }
            return false
        }
        for index in items.indices where found.contains(items[index].entry.id) { items[index].acknowledged = true }
        return found
    }

    /// Up to `limit` waiting entries in send order (alarms, warnings, info, status, each by position) after
    /// `cursor`, skipping the ids for which `isExcluded` is true.
    func pending(limit: Int, after cursor: OutboxSendCursor, excluding isExcluded: (String) -> Bool) -> [OutboxEntry] {
        guard limit > 0 else { return [] }
        var waiting: [OutboxEntry] = []
        for item in items where !item.acknowledged {
            let entry = item.entry
            if entry.position > cursor.position(in: entry.priority) && !isExcluded(entry.id) { waiting.append(entry) }
        }
        return Array(waiting.sorted { ($0.priority, $0.position) < ($1.priority, $1.position) }.prefix(limit))
    }

    /// Corrects the wall time of held entries of `bootId` made while the clock was not synchronised (as
    /// `Outbox.correctTimes` does for stored ones); returns how many changed.
    mutating func correctTimes(bootId: String, wallMinusMonoNs: Int64) -> Int {
        var changed = 0
        for index in items.indices where items[index].entry.bootId == bootId && !items[index].entry.timeSynced {
            items[index].entry.wallNs = items[index].entry.monoNs + wallMinusMonoNs
            items[index].entry.timeSynced = true
            changed += 1
        }
        return changed
    }

    /// Moves every held entry's position up by `offset` (their order kept): a memory-only outbox's entries going
    /// into a database whose positions reach `offset`.
    mutating func shiftPositions(by offset: Int64) {
        for index in items.indices { items[index].entry.position += offset }
    }

    /// Forgets everything: the database stored it.
    mutating func removeAll() {
        items.removeAll()
        bytes = 0
        dropped = OutboxDropCounters()
    }

    private func victimIndex() -> Int? {
        items.indices.min { rank(items[$0]) < rank(items[$1]) }
    }

    /// Lower ranks go first: acknowledged, then the least important class, flight records before events, oldest.
    private func rank(_ item: Item) -> (Int, Int, Int, Int64) {
        (
            item.acknowledged ? 0 : 1, OutboxPriority.status.rawValue - item.entry.priority.rawValue,
            item.entry.seq == nil ? 0 : 1, item.entry.position
        )
    }

    private func isDroppable(_ victim: Item, for entry: OutboxEntry) -> Bool {
        victim.acknowledged || victim.entry.priority > entry.priority
            || (victim.entry.priority == entry.priority && (victim.entry.seq == nil || entry.seq != nil))
    }
}
