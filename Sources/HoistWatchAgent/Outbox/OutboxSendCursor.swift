/// How far sending has got in each priority class during one connection: the highest `position` of each class
/// already handed to the link (in flight, or acknowledged). `Outbox.pending(limit:after:excluding:)` starts each
/// class after it, so refilling the in-flight window after a PUBACK reads only the new rows instead of stepping
/// over everything still in flight.
///
/// Positions are never reused (`AUTOINCREMENT`), so an entry appended later always lies beyond the cursor of its
/// class. The link starts from `.start` on every connection, and again after a publish the client refused, so
/// an entry that went back to waiting is found again (the exclusion test then skips what is still in flight).
public struct OutboxSendCursor: Sendable, Hashable {
    private var positions: [Int64] = Array(repeating: 0, count: OutboxPriority.allCases.count)

    /// Before every entry of every class.
    public static let start = OutboxSendCursor()

    /// The highest position handed out in `priority` (0 before any).
    public func position(in priority: OutboxPriority) -> Int64 { positions[priority.rawValue] }

    /// Notes that `entry` was handed to the link.
    public mutating func advance(past entry: OutboxEntry) {
        positions[entry.priority.rawValue] = max(positions[entry.priority.rawValue], entry.position)
    }
}
