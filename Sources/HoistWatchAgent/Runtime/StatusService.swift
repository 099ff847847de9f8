import HoistWatchCore
import HoistWatchSystem
import Logging
import ServiceLifecycle

/// Every `intervalS` puts a status message in the outbox (retained on the status topic); every minute stores a
/// status in the local history and prunes it (mqtt.md "Local history"); and once a second checks the wall clock:
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

    /// The status timer of `outbox`: a periodic status every `intervalS` of `clock`, a history row every minute.
    public init(
        intervalS: Double, statusTopic: String, payload: StatusPayload, outbox: Outbox,
        snapshot: SharedSnapshot, bootId: String, startMonoNs: Int64,
        history: Outbox.HistoryPolicy = .init(days: 30, capBytes: 64 << 20), clock: C,
        systemClock: StatusClock = .system, logger: Logger
    ) {
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

    /// Runs until graceful shutdown or cancellation: one turn a second of `clock`.
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
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            turn = turn.advanced(by: .seconds(1))
            do {
                try await clock.sleep(until: turn, tolerance: nil)
            } catch {
                return
            }
            await correctTimesIfSynced()
            let now = nowNs()
            if now >= nextStatus {
                await appendStatus()
                nextStatus += intervalNs
                if nextStatus < now { nextStatus = now + intervalNs }
            }
            if now >= nextHistory {
                await appendHistoryStatus()
                nextHistory = max(nextHistory + Self.historyIntervalNs, now)
            }
        }
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

    private func appendStatus() async {
        let body = current(.periodic, session: nil)
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

    private func appendHistoryStatus() async {
        let body = current(.periodic, session: nil)
        var random = SystemRandomNumberGenerator()
        let entry = OutboxEntry(
            id: "history-\(UUIDText.v4(&random))", priority: .status, topic: statusTopic, payload: body,
            monoNs: systemClock.monotonicNs(), bootId: bootId, wallNs: systemClock.realtimeNs(),
            timeSynced: systemClock.isSynchronised())
        let history = history
        do {
            let pruned = try await outbox.perform { outbox in
                try outbox.appendHistoryStatus(entry, policy: history, nowWallNs: entry.timeSynced ? entry.wallNs : nil)
            }
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
