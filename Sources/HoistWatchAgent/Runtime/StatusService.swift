import HoistWatchCore
import HoistWatchSystem
import Logging
import ServiceLifecycle

/// Every `intervalS` sends a full status (retained on the status topic), and with `sendsOnChange` also as soon as
/// something in it changes (`StatusDigest`: faults, drops, backlog, counters crossing a step; at most one such
/// status per `changeGapS`). A status goes straight to a connected broker from memory when a `publisher` is set (no
/// fsync: the next status or the birth replaces a lost one), else into the outbox. Every minute it takes a status
/// for the local history and prunes it (mqtt.md "Local history"), writing `historyBatch` rows at a time; and once a
/// second it checks the wall clock:
/// when it becomes synchronised, the outbox's unsynced entries of this boot get their wall time corrected
/// before they are sent (mqtt.md). This is the one place that decides a correction.
///
/// Its timer runs on `clock` (a test advances a manual clock by hand); the wall clock and its sync state come from
/// `systemClock`; every outbox call runs on the outbox's writer thread.
public final class StatusService<C: Clock>: Service, Sendable where C.Duration == Duration {
    private let intervalS: Double
    private let statusTopic: String
    private let payload: StatusPayload
    private let outbox: Outbox
    private let snapshot: SharedSnapshot
    private let bootId: String
    private let startMonoNs: Int64
    private let logger: Logger
    private let history: Outbox.HistoryPolicy
    private let clock: C
    private let systemClock: StatusClock
    /// A status row in the local history this often.
    public static var historyIntervalNs: Int64 { 60_000_000_000 }
    private let sendsOnChange: Bool
    private let changeGapNs: Int64
    private let historyBatch: Int
    /// Publishes a status from memory when the link is connected (true), or says it could not (false).
    public typealias Publisher = @Sendable (_ payload: [UInt8]) async -> Bool
    private let publisher = Locked<Publisher?>(nil)

    /// The status timer of `outbox`: a periodic status every `intervalS` of `clock`, a history row every minute.
    public init(
        intervalS: Double, statusTopic: String, payload: StatusPayload, outbox: Outbox,
        snapshot: SharedSnapshot, bootId: String, startMonoNs: Int64,
        history: Outbox.HistoryPolicy = .init(days: 30, capBytes: 64 << 20), clock: C,
        systemClock: StatusClock = .system, sendsOnChange: Bool = false, changeGapS: Double = 5,
        historyBatch: Int = 1, logger: Logger
    ) {
        self.sendsOnChange = sendsOnChange
        changeGapNs = Int64(changeGapS * 1e9)
        self.historyBatch = max(1, historyBatch)
        self.clock = clock
        self.systemClock = systemClock
        self.history = history
        self.intervalS = intervalS
        self.statusTopic = statusTopic
        self.payload = payload
        self.outbox = outbox
        self.snapshot = snapshot
        self.bootId = bootId
        self.startMonoNs = startMonoNs
        self.logger = logger
    }

    /// Sends every later status through `publish` while it says the broker took it (the MQTT link, connected),
    /// instead of the outbox.
    public func usePublisher(_ publish: @escaping Publisher) { publisher.withLock { $0 = publish } }

    /// Runs until graceful shutdown or cancellation: one turn a second of `clock`. History rows still waiting for
    /// their batch are written before it returns.
    public func run() async throws {
        let intervalNs = Int64(intervalS * 1e9)
        let start = clock.now
        func nowNs() -> Int64 {
            let elapsed = start.duration(to: clock.now).components
            return elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000
        }
        var nextStatus = intervalNs
        var nextHistory: Int64 = 0
        var turn = start
        var figures = OutboxFigures()
        var sentDigest: StatusDigest? = sendsOnChange ? await digest(&figures, nowNs: 0) : nil
        var lastSentNs: Int64 = 0
        var historyRows: [OutboxEntry] = []
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            turn = turn.advanced(by: .seconds(1))
            do {
                try await clock.sleep(until: turn, tolerance: nil)
            } catch {
                break
            }
            await correctTimesIfSynced()
            let now = nowNs()
            let current: StatusDigest? = sendsOnChange ? await digest(&figures, nowNs: now) : nil
            if now >= nextStatus || (current != sentDigest && now - lastSentNs >= changeGapNs) {
                await sendStatus(now >= nextStatus ? .periodic : .change)
                sentDigest = current
                lastSentNs = now
                // The next full refresh is an interval after the last status, whatever made it go.
                nextStatus = now + intervalNs
            }
            if now >= nextHistory {
                historyRows.append(historyEntry())
                if historyRows.count >= historyBatch {
                    let rows = historyRows
                    historyRows.removeAll()
                    _ = try? await outbox.perform { _ in self.storeHistory(rows) }
                }
                nextHistory = max(nextHistory + Self.historyIntervalNs, now)
            }
        }
        if !historyRows.isEmpty {
            let rows = historyRows
            _ = try? await outbox.perform { _ in self.storeHistory(rows) }
        }
    }

    /// The outbox's depth and drop counters as last read for the digest: read again (on the outbox's writer thread)
    /// only when an event was stored since, or every `outboxCheckNs`, so an idle board does not query it every second.
    private struct OutboxFigures {
        var depth: OutboxDepth?
        var dropped: OutboxDropCounters?
        var eventsStored: Int64 = -1
        var readAtNs: Int64?
    }
    private static var outboxCheckNs: Int64 { 15_000_000_000 }

    /// What a change-triggered status compares (`StatusDigest`).
    private func digest(_ figures: inout OutboxFigures, nowNs: Int64) async -> StatusDigest {
        let snapshot = snapshot.value
        if snapshot.eventsStored != figures.eventsStored
            || (figures.readAtNs.map { nowNs - $0 >= Self.outboxCheckNs } ?? true)
        {
            let read = try? await outbox.perform { outbox in (try? outbox.depth(), try? outbox.droppedCounts()) }
            figures.depth = read?.0
            figures.dropped = read?.1
            figures.eventsStored = snapshot.eventsStored
            figures.readAtNs = nowNs
        }
        return StatusDigest(snapshot: snapshot, depth: figures.depth, dropped: figures.dropped)
    }

    /// The status of this moment (birth when `session` is given).
    public func current(_ kind: StatusPayload.Kind, session: Int64?) -> [UInt8] {
        let mono = systemClock.monotonicNs()
        let moment = StatusPayload.Moment(
            monoNs: mono, wallNs: systemClock.realtimeNs(), timeSynced: systemClock.isSynchronised(),
            uptimeS: Double(mono - startMonoNs) / 1e9, depth: try? outbox.depth(), capBytes: outbox.capBytes,
            dropped: try? outbox.droppedCounts())
        return payload.status(kind, session: session, moment: moment, snapshot: snapshot.value)
    }

    private func sendStatus(_ kind: StatusPayload.Kind) async {
        let body = current(kind, session: nil)
        if let publish = publisher.withLock({ $0 }), await publish(body) { return }
        var random = SystemRandomNumberGenerator()
        let mono = systemClock.monotonicNs()
        let entry = OutboxEntry(
            id: "status-\(UUIDText.v4(&random))", priority: .status, topic: statusTopic, payload: body,
            retained: true, monoNs: mono, bootId: bootId, wallNs: systemClock.realtimeNs(),
            timeSynced: systemClock.isSynchronised())
        do {
            _ = try await outbox.perform { outbox in try outbox.append(entry) }
        } catch {
            logger.error("could not store the status message", metadata: ["error": "\(error)"])
        }
    }

    private func historyEntry() -> OutboxEntry {
        let body = current(.periodic, session: nil)
        var random = SystemRandomNumberGenerator()
        return OutboxEntry(
            id: "history-\(UUIDText.v4(&random))", priority: .status, topic: statusTopic, payload: body,
            monoNs: systemClock.monotonicNs(), bootId: bootId, wallNs: systemClock.realtimeNs(),
            timeSynced: systemClock.isSynchronised())
    }

    /// Stores history rows in one transaction and prunes (runs on the outbox's writer thread, or at the end of `run`).
    private func storeHistory(_ rows: [OutboxEntry]) {
        guard let last = rows.last else { return }
        do {
            let pruned = try outbox.appendHistoryStatuses(
                rows, policy: history, nowWallNs: last.timeSynced ? last.wallNs : nil)
            if pruned > 0 { logger.debug("history pruned", metadata: ["rows": "\(pruned)"]) }
        } catch {
            logger.error("could not store the history status", metadata: ["error": "\(error)"])
        }
    }

    private func correctTimesIfSynced() async {
        guard snapshot.value.uncorrectedTimes, systemClock.isSynchronised() else { return }
        // Cleared first: an event stored while the correction runs sets it again and is corrected next second.
        snapshot.update { $0.uncorrectedTimes = false }
        let bootId = bootId
        let wallMinusMonoNs = systemClock.realtimeNs() - systemClock.monotonicNs()
        do {
            let corrected = try await outbox.perform { outbox in
                try outbox.correctTimes(bootId: bootId, wallMinusMonoNs: wallMinusMonoNs)
            }
            if corrected > 0 {
                logger.notice("clock synchronised: corrected buffered times", metadata: ["entries": "\(corrected)"])
            }
        } catch {
            snapshot.update { $0.uncorrectedTimes = true }
            logger.error("could not correct buffered times", metadata: ["error": "\(error)"])
        }
    }
}

/// The system clocks the status reads (what time it is on the board and whether it is synchronised); a test gives
/// its own to script a clock sync.
public struct StatusClock: Sendable {
    /// CLOCK_MONOTONIC, nanoseconds.
    public var monotonicNs: @Sendable () -> Int64
    /// CLOCK_REALTIME, nanoseconds since the Unix epoch.
    public var realtimeNs: @Sendable () -> Int64
    /// Whether the kernel reports the wall clock synchronised.
    public var isSynchronised: @Sendable () -> Bool

    /// Clocks from the given readers.
    public init(
        monotonicNs: @escaping @Sendable () -> Int64, realtimeNs: @escaping @Sendable () -> Int64,
        isSynchronised: @escaping @Sendable () -> Bool
    ) {
        self.monotonicNs = monotonicNs
        self.realtimeNs = realtimeNs
        self.isSynchronised = isSynchronised
    }

    /// The board's own clocks (`SystemClock`).
    public static let system = StatusClock(
        monotonicNs: SystemClock.monotonicNs, realtimeNs: SystemClock.realtimeNs,
        isSynchronised: SystemClock.isSynchronised)
}
