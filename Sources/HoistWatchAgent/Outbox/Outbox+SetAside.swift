/// Setting aside an entry the link cannot deliver (the broker keeps refusing it, or it is larger than the message
/// size limit): it leaves the outbox and counts as a drop of its class, in one transaction, so the status reports it
/// and an event's `seq` gap is a counted one. Its row is kept in the `set_aside` table, beside the rows that failed
/// their checksum, for an installer to look at (`sqlite3 outbox.db 'SELECT id, topic FROM set_aside'`); that table
/// keeps its newest `setAsideKept` rows, so a broker that refuses everything cannot fill the card with them.
extension Outbox {
    /// Rows the `set_aside` table keeps, newest first.
    public static let setAsideKept = 256

    /// Moves the entry `id` to `set_aside` and adds one to the dropped counter of its class. Returns false when it
    /// was not there (removed or dropped meanwhile): nothing is counted then.
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
                    let keep = try db.prepare(
                        "INSERT INTO set_aside(position, id, seq, priority, topic, payload, checksum) "
                            + "SELECT position, id, seq, priority, topic, payload, checksum FROM outbox WHERE id = ?")
                    try keep.bind(id, at: 1)
                    try keep.step()
                    let delete = try db.prepare("DELETE FROM outbox WHERE id = ?")
                    try delete.bind(id, at: 1)
                    try delete.step()
                    let trim = try db.prepare(
                        "DELETE FROM set_aside WHERE rowid NOT IN "
                            + "(SELECT rowid FROM set_aside ORDER BY rowid DESC LIMIT ?)")
                    try trim.bind(Int64(Self.setAsideKept), at: 1)
                    try trim.step()
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
