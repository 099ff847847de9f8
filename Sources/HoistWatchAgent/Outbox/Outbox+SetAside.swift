/// Setting aside an entry the link cannot deliver (the broker keeps refusing it, or it is larger than the message
/// size limit): it leaves the outbox and counts as a drop of its class, in one transaction, so the status reports it
/// and an event's `seq` gap is a counted one.
extension Outbox {
    /// Removes the entry `id` and adds one to the dropped counter of its class. Returns false when it was not there
    /// (removed or dropped meanwhile): nothing is counted then.
    @discardableResult
    public func setAside(id: String) throws(OutboxError) -> Bool {
        try state.withLock { state throws(OutboxError) in
            var totalBytes = state.totalBytes
            let removed = try run("setting an entry aside", state.db) { db -> Bool in
                try db.transaction { () throws -> Bool in
                    let row = try db.prepare("SELECT priority, bytes FROM outbox WHERE id = ?")
                    try row.bind(id, at: 1)
                    guard try row.step() else { return false }
                    let priority = OutboxPriority(rawValue: Int(row.int64(0))) ?? .status
                    let bytes = row.int64(1)
                    row.reset()
                    let delete = try db.prepare("DELETE FROM outbox WHERE id = ?")
                    try delete.bind(id, at: 1)
                    try delete.step()
                    var dropped = OutboxDropCounters()
                    dropped[priority] += 1
                    try Self.addDrops(db, dropped)
                    totalBytes -= bytes
                    return true
                }
            }
            state.totalBytes = totalBytes
            return removed
        }
    }
}
