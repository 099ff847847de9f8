import HoistWatchCore

/// Appending, and what happens when the database cannot store: the entries are held in memory (`UnsavedEntries`),
/// published from there marked not durable, and stored with the next commit that works.
extension Outbox {
    /// Appends several items in ONE transaction (one fsync: group commit), in order; all or none are stored.
    /// The detection loop stores each tick's events this way, so a burst costs one commit, not one per event.
    /// Durable when it returns, unless a result says `durable: false`; one result per item.
    ///
    /// Seqs and positions are given before the commit. When the commit fails for a storage reason (full,
    /// read-only, I/O error, damage: `StorageFailureCause`), the entries keep them and are held in memory up to its
    /// cap; appends then go straight to memory until `retryUnsaved()` finds the database working again. A full
    /// file system first releases the space reserve (`StorageReserve`) and tries once more. Other failures (a
    /// duplicate id) throw, and nothing is kept.
    @discardableResult
    public func append(batch items: [BatchItem]) throws -> [OutboxAppendResult] {
        guard !items.isEmpty else { return [] }
        let (results, observer) = try state.withLock { state -> ([OutboxAppendResult], (@Sendable () -> Void)?) in
            var seq = state.lastSeq
            var position = state.lastPosition
            var entries: [OutboxEntry] = []
            entries.reserveCapacity(items.count)
            for item in items {
                var entry: OutboxEntry
                switch item {
                case .event(let makeEntry):
                    seq += 1
                    entry = try makeEntry(seq)
                    entry.seq = seq
                case .message(let message):
                    entry = message
                }
                position += 1
                entry.position = position
                entries.append(entry)
            }
            reserveSeqs(&state, through: seq)
            var results: [OutboxAppendResult]
            if let stored = try commitOrHold(&state, entries) {
                results = stored
            } else {
                if let highest = entries.compactMap(\.seq).max(), highest > state.mark.published {
                    // Published from memory from now on: a restart must not hand these seqs out again.
                    var mark = state.mark
                    mark.published = highest
                    if highWaterMark.write(mark) { state.mark = mark }
                }
                results = entries.map { entry in
                    let before = state.unsaved.dropped
                    let held = state.unsaved.add(entry)
                    var dropped = OutboxDropCounters()
                    for priority in OutboxPriority.allCases {
                        dropped[priority] = state.unsaved.dropped[priority] - before[priority]
                    }
                    return OutboxAppendResult(seq: entry.seq, stored: held, dropped: dropped, durable: false)
                }
            }
            state.lastSeq = seq
            state.lastPosition = position
            Self.noteUnsaved(&state)
            return (results, results.contains(where: \.stored) ? state.appendObserver : nil)
        }
        observer?()
        return results
    }

    /// Tries to store what is held in memory (and the removals the database refused); returns true when nothing is
    /// left in memory. The detection loop calls it once a second while `storageHealth().unsavedCount` is not 0.
    @discardableResult
    public func retryUnsaved() throws -> Bool {
        try state.withLock { state in
            guard !state.memoryOnly else { return false }
            guard !state.unsaved.isEmpty || !state.pendingRemovals.isEmpty || state.storeFailing else { return true }
            state.storeFailing = false
            _ = try commitOrHold(&state, [])
            Self.noteUnsaved(&state)
            return state.unsaved.isEmpty
        }
    }

    /// What the store did since the outbox opened: failures per cause, successes, entries that failed their checksum,
    /// what is held in memory. The detection loop feeds the changes to `StorageFaultDetector`.
    public func storageHealth() -> OutboxStorageHealth {
        state.withLock { state in
            var health = state.health
            health.reserveHeld = reserve?.isHeld ?? false
            health.memoryOnly = state.memoryOnly
            return health
        }
    }

    /// Writes the space reserve again if it was released and the database works (the file system has room for it
    /// three times over); the detection loop calls it every 10 s.
    public func maintainReserve() {
        state.withLock { state in
            guard let reserve, !state.storeFailing, state.unsaved.isEmpty else { return }
            reserve.ensure()
        }
    }

    /// One transaction storing what memory holds, the refused removals and `entries`; the results, or nil when it
    /// failed for a storage reason (the failure noted, nothing of it stored).
    func commitOrHold(_ state: inout State, _ entries: [OutboxEntry]) throws -> [OutboxAppendResult]? {
        if state.storeFailing || state.memoryOnly { return nil }
        for attempt in 0..<2 {
            do throws(OutboxError) {
                let results = try commit(&state, entries)
                Self.noteSuccess(&state)
                return results
            } catch {
                guard let cause = storageCause(of: error) else { throw error }
                Self.noteFailure(&state, cause, error)
                // A full file system: the reserve's space lets this commit (and the removals after it) through.
                if cause == .full, attempt == 0, reserve?.release() == true { continue }
                state.storeFailing = true
                return nil
            }
        }
        return nil
    }

    private func commit(_ state: inout State, _ entries: [OutboxEntry]) throws(OutboxError) -> [OutboxAppendResult] {
        var totalBytes = state.totalBytes
        let held = state.unsaved
        let removals = state.pendingRemovals
        let lastSeq = state.lastSeq
        let results = try run("appending", state.db) { db in
            try db.transaction { () throws -> [OutboxAppendResult] in
                if !removals.isEmpty { totalBytes -= try Self.deleteRows(db, ids: Array(removals)).freed }
                for item in held.items {
                    if item.acknowledged {
                        // Delivered from memory: only its history row and its seq are left to store.
                        try Self.insertHistory(db, item.entry, kind: .event)
                    } else {
                        _ = try store(db, item.entry, total: &totalBytes)
                    }
                }
                try Self.addDrops(db, held.dropped)
                var results: [OutboxAppendResult] = []
                results.reserveCapacity(entries.count)
                for entry in entries {
                    let (stored, dropped) = try store(db, entry, total: &totalBytes)
                    results.append(OutboxAppendResult(seq: entry.seq, stored: stored, dropped: dropped, durable: true))
                }
                let highest = max(lastSeq, entries.compactMap(\.seq).max() ?? 0)
                if highest > 0 { try Self.setMeta(db, .lastSeq, highest) }
                return results
            }
        }
        state.totalBytes = totalBytes
        state.unsaved.removeAll()
        state.pendingRemovals.removeAll()
        return results
    }

    /// Stores one entry (and an event's history row), dropping older entries for room by the cap policy.
    private func store(
        _ db: SQLiteConnection, _ entry: OutboxEntry, total: inout Int64
    ) throws -> (stored: Bool, dropped: OutboxDropCounters) {
        var dropped = OutboxDropCounters()
        let stored = try Self.makeRoom(db, for: entry, cap: capBytes, total: &total, &dropped)
        if entry.seq != nil { try Self.insertHistory(db, entry, kind: .event) }
        if stored {
            try Self.insert(db, entry)
            total += entry.storedBytes
        } else {
            dropped[entry.priority] += 1
        }
        try Self.addDrops(db, dropped)
        return (stored, dropped)
    }

    /// Writes the high-water mark a block above `seq` when `seq` passes it (before the seq is used).
    func reserveSeqs(_ state: inout State, through seq: Int64) {
        guard seq > state.mark.reserved else { return }
        var mark = state.mark
        mark.reserved = seq + SeqHighWaterMark.block
        if highWaterMark.write(mark) { state.mark = mark }
    }

    /// The `storage_fault` cause of `error`, nil when it is not the storage's; an I/O error is probed
    /// (`FreeSpace.probe`) to tell a read-only or full file system.
    func storageCause(of error: OutboxError) -> StorageFailureCause? {
        guard let cause = StorageFailureCause(error) else { return nil }
        return cause == .ioError ? FreeSpace.probe(folder: StorageReserve.folder(of: path)) : cause
    }

    static func noteSuccess(_ state: inout State) {
        state.health.successes += 1
        state.health.lastFailure = nil
    }

    static func noteFailure(_ state: inout State, _ cause: StorageFailureCause, _ error: any Error) {
        state.health.failures[cause, default: 0] += 1
        state.health.lastFailure = cause
        state.health.lastError = "\(error)"
    }

    static func noteUnsaved(_ state: inout State) {
        state.health.unsavedCount = state.unsaved.waitingCount
        state.health.unsavedHeld = state.unsaved.items.count
        state.health.unsavedBytes = state.unsaved.bytes
    }
}
