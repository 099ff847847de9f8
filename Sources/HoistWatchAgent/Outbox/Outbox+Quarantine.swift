import HoistWatchCore

/// Rows that failed their checksum: never sent, moved to the `set_aside` table (kept for inspection), counted in
/// `corrupt`, and counted as a drop of their class, so a subscriber that sees the seq gap sees it explained.
extension Outbox {
    /// Moves the rows at `damaged` (position and class) aside in one transaction. When the database cannot do that
    /// either, their positions are remembered (skipped by every later read) and their drops counted in memory, to be
    /// stored with the next commit that works.
    func quarantine(_ state: inout State, damaged: [(position: Int64, priority: OutboxPriority)]) {
        let fresh = damaged.filter { !state.quarantined.contains($0.position) }.map(\.position)
        guard !fresh.isEmpty else { return }
        do throws(OutboxError) {
            let freed = try run("setting aside damaged entries", state.db) { db in
                try db.transaction { () throws -> Int64 in
                    let read = try db.prepare("SELECT priority, bytes FROM outbox WHERE position = ?")
                    let copy = try db.prepare(
                        "INSERT INTO set_aside(position, id, seq, priority, topic, payload, checksum) "
                            + "SELECT position, id, seq, priority, topic, payload, checksum FROM outbox WHERE position = ?"
                    )
                    let delete = try db.prepare("DELETE FROM outbox WHERE position = ?")
                    var freed: Int64 = 0
                    var dropped = OutboxDropCounters()
                    for position in fresh {
                        read.reset()
                        try read.bind(position, at: 1)
                        guard try read.step() else { continue }
                        dropped[OutboxPriority(rawValue: Int(read.int64(0))) ?? .status] += 1
                        freed += read.int64(1)
                        for statement in [copy, delete] {
                            statement.reset()
                            try statement.bind(position, at: 1)
                            try statement.step()
                        }
                    }
                    try Self.addDrops(db, dropped)
                    try Self.setMeta(db, .corrupt, try Self.meta(db, .corrupt) + Int64(fresh.count))
                    return freed
                }
            }
            state.totalBytes -= freed
        } catch {
            state.quarantined.formUnion(fresh)
            for item in damaged where fresh.contains(item.position) { state.unsaved.dropped[item.priority] += 1 }
            if let cause = storageCause(of: error) { Self.noteFailure(&state, cause, error) }
        }
        state.health.corrupt += Int64(fresh.count)
    }
}
