import HoistWatchCore

/// A memory-only outbox (the card was read-only at start) going back to its database once the card takes writes
/// again: the detection loop calls `reopenDurable()` every 30 s (`StorageWatch.reopenDue`), and at a clean stop.
extension Outbox {
    /// When memory only: opens the database at `path` for writing and moves what memory holds into it in one
    /// transaction, the way a full card's recovery stores it (`retryUnsaved`): every entry keeps its id and seq
    /// and its order; an entry the broker already acknowledged only gets its history row; the drops counted in
    /// memory are added to the stored counters. Positions move above the file's (entries of the file written before
    /// the card failed are sent too), the session counter does not go back, the high-water mark is written, and from
    /// then on the outbox is durable (`storeGeneration` raised, so the link reads every class again; the store's
    /// successes clear `storage_fault` 10 s later). Returns true when the outbox is durable (at once when it was);
    /// false when the file still cannot be opened or written: nothing changes then.
    @discardableResult
    public func reopenDurable() -> Bool {
        state.withLock { state in
            guard state.memoryOnly else { return true }
            let file: SQLiteConnection
            let opened: Opened
            do {
                file = try SQLiteConnection(path: path)
                opened = try Self.prepare(file, path: path)
            } catch {
                return false
            }
            var next = state
            next.db = file
            next.memoryOnly = false
            next.storeFailing = false
            next.totalBytes = opened.totalBytes
            next.quarantined = []
            // Positions order what is sent and are never reused: the held entries go above the file's.
            if opened.lastPosition > 0 {
                next.unsaved.shiftPositions(by: opened.lastPosition)
                next.lastPosition += opened.lastPosition
            }
            next.lastSeq = max(next.lastSeq, opened.lastSeq)
            do {
                let session = try Self.meta(state.db, .session)
                if session > (try Self.meta(file, .session)) {
                    try file.transaction { try Self.setMeta(file, .session, session) }
                }
                // The commit of what memory holds (and the seq above it), as after a full card; nil: it failed.
                guard try commitOrHold(&next, []) != nil else { return false }
            } catch {
                return false
            }
            reserveSeqs(&next, through: next.lastSeq)
            next.storeGeneration += 1
            Self.noteUnsaved(&next)
            state = next
            reserve?.ensure()
            return true
        }
    }
}
