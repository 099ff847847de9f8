import HoistWatchCore

/// What in a status message counts as a change worth sending at once (issue 16, "status that costs what it says"):
/// the active faults, the drop counters, events waiting in memory because the outbox refused them, the outbox's
/// backlog by order of magnitude (10, 100, 1,000, ... waiting entries: below 10 it is the link's own traffic), and the
/// counters when they cross a step (every 100 trips and door cycles, every running hour, every kilometre, every
/// limit actuation, maximum speed by 0.1 m/s and maximum load by 100 kg). Anything else waits for the next full
/// refresh (`status_interval_s`).
public struct StatusDigest: Sendable, Hashable {
    private var faults: [String]
    private var dropped: OutboxDropCounters?
    private var unsaved: Bool
    private var backlogDecade: Int
    private var counterSteps: [Int64]

    /// The digest of the status the agent would send now.
    public init(snapshot: AgentSnapshot, depth: OutboxDepth?, dropped: OutboxDropCounters?) {
        faults = snapshot.active.map { "\($0.type.rawValue)/\($0.instance)/\($0.raisedId)" }.sorted()
        self.dropped = dropped
        unsaved = snapshot.unsaved > 0
        var decade = 0
        var count = depth?.count ?? 0
        while count >= 10 {
            decade += 1
            count /= 10
        }
        backlogDecade = decade
        let counters = snapshot.counters
        counterSteps = [
            counters.trips / 100, counters.doorCycles / 100, Int64(counters.runningS / 3600),
            Int64(counters.travelledM / 1000), counters.limitActuations, Int64(counters.maxSpeedMps * 10),
            Int64(counters.maxLoadKg / 100),
        ]
    }
}
