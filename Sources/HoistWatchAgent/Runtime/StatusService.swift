import HoistWatchCore
import HoistWatchSystem
import Logging
import ServiceLifecycle

/// Every `intervalS` puts a status message in the outbox (retained on the status topic); every minute stores a
/// status in the local history and prunes it (mqtt.md "Local history"); and once a second checks the wall clock:
/// when it becomes synchronised, the outbox's unsynced entries of this boot get their wall time corrected
/// before they are sent (mqtt.md).
public final class StatusService: Service, Sendable {
    private let intervalS: Double
    private let statusTopic: String
    private let payload: StatusPayload
    private let outbox: Outbox
    private let snapshot: SharedSnapshot
    private let bootId: String
    private let startMonoNs: Int64
    private let logger: Logger
    private let history: Outbox.HistoryPolicy
    /// A status row in the local history this often.
    public static let historyIntervalNs: Int64 = 60_000_000_000

    public init(intervalS: Double, statusTopic: String, payload: StatusPayload, outbox: Outbox,
                snapshot: SharedSnapshot, bootId: String, startMonoNs: Int64,
                history: Outbox.HistoryPolicy = .init(days: 30, capBytes: 64 << 20), logger: Logger) {
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

    public func run() async throws {
        let intervalNs = Int64(intervalS * 1e9)
        var nextStatus = SystemClock.monotonicNs() + intervalNs
        var nextHistory = SystemClock.monotonicNs()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await Task.sleep(for: .seconds(1))
            } catch {
                return
            }
            correctTimesIfSynced()
            let now = SystemClock.monotonicNs()
            if now >= nextStatus {
                appendStatus()
                nextStatus += intervalNs
                if nextStatus < now { nextStatus = now + intervalNs }
            }
            if now >= nextHistory {
                appendHistoryStatus()
                nextHistory = max(nextHistory + Self.historyIntervalNs, now)
            }
        }
    }

    /// The status of this moment (birth when `session` is given).
    public func current(_ kind: StatusPayload.Kind, session: Int64?) -> [UInt8] {
        let mono = SystemClock.monotonicNs()
        let moment = StatusPayload.Moment(
            monoNs: mono, wallNs: SystemClock.realtimeNs(), timeSynced: SystemClock.isSynchronised(),
            uptimeS: Double(mono - startMonoNs) / 1e9, depth: try? outbox.depth(), capBytes: outbox.capBytes,
            dropped: try? outbox.droppedCounts())
        return payload.status(kind, session: session, moment: moment, snapshot: snapshot.value)
    }

    private func appendStatus() {
        let body = current(.periodic, session: nil)
        var random = SystemRandomNumberGenerator()
        let mono = SystemClock.monotonicNs()
        let entry = OutboxEntry(
            id: "status-\(UUIDText.v4(&random))", priority: .status, topic: statusTopic, payload: body,
            retained: true, monoNs: mono, bootId: bootId, wallNs: SystemClock.realtimeNs(),
            timeSynced: SystemClock.isSynchronised())
        do {
            _ = try outbox.append(entry)
        } catch {
            logger.error("could not store the status message", metadata: ["error": "\(error)"])
        }
    }

    private func appendHistoryStatus() {
        let body = current(.periodic, session: nil)
        var random = SystemRandomNumberGenerator()
        let entry = OutboxEntry(
            id: "history-\(UUIDText.v4(&random))", priority: .status, topic: statusTopic, payload: body,
            monoNs: SystemClock.monotonicNs(), bootId: bootId, wallNs: SystemClock.realtimeNs(),
            timeSynced: SystemClock.isSynchronised())
        do {
            let pruned = try outbox.appendHistoryStatus(
                entry, policy: history, nowWallNs: entry.timeSynced ? entry.wallNs : nil)
            if pruned > 0 { logger.debug("history pruned", metadata: ["rows": "\(pruned)"]) }
        } catch {
            logger.error("could not store the history status", metadata: ["error": "\(error)"])
        }
    }

    private func correctTimesIfSynced() {
        guard snapshot.value.uncorrectedTimes, SystemClock.isSynchronised() else { return }
        // Cleared first: an event stored while the correction runs sets it again and is corrected next second.
        snapshot.update { $0.uncorrectedTimes = false }
        do {
            let corrected = try outbox.correctTimes(
                bootId: bootId, wallMinusMonoNs: SystemClock.realtimeNs() - SystemClock.monotonicNs())
            if corrected > 0 { logger.notice("clock synchronised: corrected buffered times", metadata: ["entries": "\(corrected)"]) }
        } catch {
            snapshot.update { $0.uncorrectedTimes = true }
            logger.error("could not correct buffered times", metadata: ["error": "\(error)"])
        }
    }
}
