import Glibc
import HoistWatchCore
import Logging

/// The agent's `storage_fault` (faults.md): the detection loop hands it what the outbox reports every tick
/// (`OutboxStorageHealth`) and the time; it runs `StorageFaultDetector` on the changes, stamps each transition as
/// an event (one instance per `data.cause`), logs it once, and says when to retry what the outbox holds in memory
/// (once a second) and to write the space reserve again (every 10 s). Lives as long as the agent, across the
/// simulated board's scenario loops.
struct StorageWatch {
    private static let retryIntervalNs: Int64 = 1_000_000_000
    private static let reserveIntervalNs: Int64 = 10_000_000_000
    /// How often a memory-only outbox (the card read-only at start) tries to open its database again: 30 s (an open,
    /// a `quick_check` and, when it works, one commit of what memory holds).
    static let reopenIntervalNs: Int64 = 30_000_000_000

    private var detector = StorageFaultDetector()
    private var stamper: EventStamper
    private var previous: OutboxStorageHealth
    private var lastRetryNs: Int64?
    private var lastReserveNs: Int64
    private var lastReopenNs: Int64
    private let equipment: Equipment
    private let logger: Logger
    /// The `storage_fault` instances raised now, as status and `diag` list them.
    private(set) var active: [DetectionEngine.ActiveFault] = []

    /// A watch starting from `health` (what the outbox reported at open); events of `deviceId` in boot `bootId`.
    init(
        deviceId: String, bootId: String, equipment: Equipment, health: OutboxStorageHealth, nowMonoNs: Int64,
        logger: Logger
    ) {
        var random = SystemRandomNumberGenerator()
        // Run time is CLOCK_MONOTONIC itself: origin 0, scale 1.
        stamper = EventStamper(deviceId: deviceId, bootId: bootId, clock: EventClock(), seed: random.next())
        // Failures at open (a read-only card at start) count as new: they raise at the first tick.
        previous = health
        previous.failures = [:]
        previous.lastFailure = nil
        lastReserveNs = nowMonoNs
        lastReopenNs = nowMonoNs
        self.equipment = equipment
        self.logger = logger
    }

    /// Reports a database found damaged or lost at start (`Outbox.recovery`): `storage_fault` raised with
    /// `cause: corrupt` and what was done.
    mutating func noteRecovery(_ recovery: OutboxRecovery, nowMonoNs: Int64, into events: inout [Event]) {
        logger.error(
            "the outbox database could not be used; a fresh one was opened",
            metadata: [
                "reason": "\(recovery.reason)", "moved_to": "\(recovery.movedTo ?? "-")",
                "resumed_after_seq": "\(recovery.resumedAfterSeq)",
            ])
        var data = EventData()
        data.set("cause", .text(StorageFailureCause.corrupt.rawValue))
        data.set("reason", .text(recovery.reason))
        if let movedTo = recovery.movedTo { data.set("moved_to", .text(movedTo)) }
        if let seq = recovery.highestReadableSeq { data.set("highest_readable_seq", .integer(seq)) }
        data.set("resumed_after_seq", .integer(recovery.resumedAfterSeq))
        for transition in detector.observe(StorageObservation(failures: [.corrupt]), atNs: nowMonoNs) {
            events.append(stamp(transition, data: data, nowMonoNs: nowMonoNs))
        }
    }

    /// Feeds what changed since the last call; transitions become events in `events`.
    mutating func update(
        _ health: OutboxStorageHealth, clock: EventClock, nowMonoNs: Int64, into events: inout [Event]
    ) {
        stamper.clock.wallMinusMonoNs = clock.wallMinusMonoNs
        stamper.clock.timeSynced = clock.timeSynced
        let observation = health.observation(since: previous)
        previous = health
        for transition in detector.observe(observation, atNs: nowMonoNs) {
            var data = EventData()
            data.set("cause", .text(transition.cause.rawValue))
            data.set("unsaved", .integer(Int64(health.unsavedCount)))
            data.set("corrupt", .integer(health.corrupt))
            if transition.transition == .raised, transition.cause != .corrupt, let error = health.lastError {
                data.set("error", .text(error))
            }
            events.append(stamp(transition, data: data, nowMonoNs: nowMonoNs))
        }
    }

    /// Whether to retry what the outbox holds in memory now (once a second while something is held or failing).
    mutating func retryDue(_ health: OutboxStorageHealth, nowMonoNs: Int64) -> Bool {
        guard health.unsavedHeld > 0 || health.lastFailure != nil,
            lastRetryNs.map({ nowMonoNs - $0 >= Self.retryIntervalNs }) ?? true
        else { return false }
        lastRetryNs = nowMonoNs
        return true
    }

    /// Whether a memory-only outbox should try its database again now (`Outbox.reopenDurable`): every
    /// `reopenIntervalNs` (30 s) from the start while it is memory only.
    mutating func reopenDue(_ health: OutboxStorageHealth, nowMonoNs: Int64) -> Bool {
        guard health.memoryOnly, nowMonoNs - lastReopenNs >= Self.reopenIntervalNs else { return false }
        lastReopenNs = nowMonoNs
        return true
    }

    /// Whether to check the space reserve now (every 10 s).
    mutating func reserveDue(nowMonoNs: Int64) -> Bool {
        guard nowMonoNs - lastReserveNs >= Self.reserveIntervalNs else { return false }
        lastReserveNs = nowMonoNs
        return true
    }

    private mutating func stamp(
        _ transition: StorageFaultDetector.Transition, data: EventData, nowMonoNs: Int64
    ) -> Event {
        let cause = transition.cause.rawValue
        let severity = FaultType.storageFault.severity(for: equipment)
        switch transition.transition {
        case .raised:
            let event = stamper.stamp(
                type: .storageFault, transition: .raised, severity: severity, runNs: nowMonoNs, data: data)
            active.append(
                DetectionEngine.ActiveFault(
                    type: .storageFault, instance: cause, raisedId: event.id, raisedAtNs: nowMonoNs,
                    severity: severity))
            logger.warning("storage fault raised", metadata: ["fault.cause": "\(cause)"])
            return event
        case .cleared:
            let raised = active.first { $0.instance == cause }
            active.removeAll { $0.instance == cause }
            logger.notice("storage fault cleared", metadata: ["fault.cause": "\(cause)"])
            return stamper.stamp(
                type: .storageFault, transition: .cleared, severity: severity, runNs: nowMonoNs, data: data,
                raisedId: raised?.raisedId, durationS: raised.map { Double(nowMonoNs - $0.raisedAtNs) / 1e9 })
        }
    }
}

/// The start-up check of the state folder's free space against what the caps allow the outbox and the history to
/// use (`outbox.cap_mib`, `history_cap_mib`) plus the space reserve: a card that cannot hold them is warned about
/// (log and status) when the agent starts, not found out when it fills.
public struct StorageSpaceCheck: Sendable, Hashable {
    /// Bytes the outbox's files may still grow to: free space on the file system plus what its files use now.
    public var availableBytes: Int64
    /// Bytes the caps and the reserve need.
    public var neededBytes: Int64

    /// The figures of one check.
    public init(availableBytes: Int64, neededBytes: Int64) {
        self.availableBytes = availableBytes
        self.neededBytes = neededBytes
    }

    /// True when the card cannot hold what the caps allow.
    public var isShort: Bool { availableBytes < neededBytes }
}

extension StorageSpaceCheck {
    /// Measures the file system of `outboxPath` (`statvfs`) and the outbox's files (`stat`); nil when it cannot.
    public static func measure(outboxPath: String, neededBytes: Int64) -> StorageSpaceCheck? {
        guard let free = FreeSpace.availableBytes(at: StorageReserve.folder(of: outboxPath)) else { return nil }
        let used = ["", "-wal", ".reserve"].reduce(Int64(0)) { sum, suffix in
            var info = stat()
            return sum + (stat(outboxPath + suffix, &info) == 0 ? Int64(info.st_size) : 0)
        }
        return StorageSpaceCheck(availableBytes: free + used, neededBytes: neededBytes)
    }
}
