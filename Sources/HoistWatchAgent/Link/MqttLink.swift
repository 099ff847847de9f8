/// The MQTT link's connection logic as a pure state machine: inputs carry the current monotonic time in
/// nanoseconds, outputs are `Action`s the owner (`MqttLinkService`) carries out. Nothing here sleeps, reads a
/// clock or touches the network.
///
/// - Reconnects with capped exponential backoff and jitter: after the n-th consecutive failure the delay is
///   `min(maxBackoffNs, initialBackoffNs * 2^(n-1))`, minus up to `jitterFraction` of it drawn from the
///   injected random source. A connection that stayed up for `stableConnectionNs` resets the count.
/// - A broker that refuses the credentials (CONNACK 4 or 5) is reported as `.reportAuthFailure` and retried
///   after `authRetryNs` (plus up to `jitterFraction` of it), never sooner, however often it happens.
/// - At most `inFlightWindow` outbox entries are published and unacknowledged at once. An entry leaves the
///   outbox only through `.removeFromOutbox`, which only PUBACKs produce: acknowledged ids are gathered and
///   removed together, in one transaction (one fsync), `removalDelayNs` after the first of them or as soon as
///   `removalBatch` have gathered; they stay excluded from sending meanwhile, so nothing is sent twice. When a
///   connection ends, every unacknowledged entry becomes sendable again: it is still in the outbox.
/// - The window is refilled from a per-class send cursor (`OutboxSendCursor`: only rows after what was handed out
///   are read), once per burst of PUBACKs (`.refillWindow`, which the owner runs after the PUBACKs already queued).
/// - Each connect attempt raises `session` (persisted by the owner before it connects) and `clientGeneration`, so
///   the owner can tell events of a closed client from the current one's.
public struct MqttLink: Sendable {
    /// Timing and window settings.
    public struct Configuration: Sendable, Hashable {
        /// Delay after the first failure.
        public var initialBackoffNs: Int64
        /// Cap on the delay.
        public var maxBackoffNs: Int64
        /// Share of each delay (0...1) that is random, so a fleet of boards does not reconnect in step.
        public var jitterFraction: Double
        /// Delay before retrying after the broker refused the credentials.
        public var authRetryNs: Int64
        /// Most outbox entries published and not yet acknowledged.
        public var inFlightWindow: Int
        /// A connect attempt without CONNACK for this long counts as failed.
        public var connectTimeoutNs: Int64
        /// A connection that lasted this long resets the backoff.
        public var stableConnectionNs: Int64
        /// Acknowledged entries are removed at most this long after the first PUBACK of a batch.
        public var removalDelayNs: Int64 = 5_000_000
        /// ...or as soon as this many have gathered.
        public var removalBatch: Int = 64

        /// Defaults: backoff 1 s doubling to 60 s with 20 % jitter, credentials retried every 60 s, 32 in
        /// flight, 30 s connect timeout, connections stable after 30 s.
        public init(
            initialBackoffNs: Int64 = 1_000_000_000, maxBackoffNs: Int64 = 60_000_000_000,
            jitterFraction: Double = 0.2, authRetryNs: Int64 = 60_000_000_000, inFlightWindow: Int = 32,
            connectTimeoutNs: Int64 = 30_000_000_000, stableConnectionNs: Int64 = 30_000_000_000
        ) {
            self.initialBackoffNs = initialBackoffNs
            self.maxBackoffNs = maxBackoffNs
            self.jitterFraction = min(max(jitterFraction, 0), 1)
            self.authRetryNs = authRetryNs
            self.inFlightWindow = max(1, inFlightWindow)
            self.connectTimeoutNs = connectTimeoutNs
            self.stableConnectionNs = stableConnectionNs
        }
    }

    /// What the owner must do.
    public enum Action: Sendable, Hashable {
        /// Nothing.
        case none
        /// Persist `session`, make a client of `clientGeneration` with the will of `session` and start connecting;
        /// call `timerFired` at `deadlineNs` (the connect timeout).
        case connect(deadlineNs: Int64)
        /// Close the current client, if any, and call `timerFired` after `afterNs`.
        case reconnect(afterNs: Int64)
        /// The broker refused the credentials: report it plainly, close the client, call `timerFired` after
        /// `retryAfterNs`.
        case reportAuthFailure(connackCode: Int32, retryAfterNs: Int64)
        /// Connected: publish the retained birth status (then report `birthPublished`), then offer entries.
        case publishBirth
        /// Publish this entry (then report `published` or `publishFailed`). `isBacklog`: it was already
        /// waiting when the connection came up, so it is sent later than it happened.
        case publish(OutboxEntry, isBacklog: Bool)
        /// Remove these acknowledged entries from the outbox in one transaction, then report `removed(ids:)` (or
        /// `removalFailed()`, to try again later).
        case removeFromOutbox(ids: [String])
        /// Call `removalTimerFired` after `afterNs`: acknowledged entries are waiting to be removed.
        case scheduleRemoval(afterNs: Int64)
        /// After the inputs already queued, read up to `freeSlots` entries of `pendingQuery` and `send` each.
        case refillWindow
        /// Close the client for good.
        case disconnect
    }

    /// Where the link is, for diagnostics.
    public enum Phase: Sendable, Hashable {
        /// Not started.
        case idle
        /// A connect attempt is under way.
        case connecting(sinceNs: Int64)
        /// Connected since the given time.
        case connected(sinceNs: Int64)
        /// Waiting to retry after a failure.
        case waiting(untilNs: Int64)
        /// The broker refused the credentials; waiting to retry.
        case authRejected(connackCode: Int32, untilNs: Int64)
        /// Stopped for good.
        case stopped
    }

    private struct Connection {
        var sinceNs: Int64
        var backlogThroughPosition: Int64
        var entryByMid: [Int32: String] = [:]
        var inFlightIDs: Set<String> = []
        var birthMid: Int32?
    }

    private enum State {
        case idle
        case connecting(sinceNs: Int64, deadlineNs: Int64)
        case connected(Connection)
        case waiting(untilNs: Int64, authCode: Int32?)
        case stopped
    }

    /// The settings.
    public let configuration: Configuration
    private var state: State = .idle
    private var random: any RandomNumberGenerator & Sendable

    /// The `session` counter of the current or last connect attempt (the role of Sparkplug's bdSeq).
    public private(set) var session: Int64
    /// Raised by every client the link makes: events of an older client are stale.
    public private(set) var clientGeneration = 0
    /// PUBACKs received.
    public private(set) var acknowledged = 0
    /// Acknowledged entries not yet removed from the outbox (excluded from sending until they are).
    public private(set) var awaitingRemoval: Set<String> = []
    private var removalScheduled = false
    private var refillRequested = false
    /// What this connection has handed to the client so far, per class: refills read only the rows after it.
    public private(set) var sendCursor = OutboxSendCursor.start

    /// Failures since the last stable connection.
    public private(set) var consecutiveFailures = 0
    /// Connect attempts made.
    public private(set) var connectAttempts = 0
    /// Times the broker refused the credentials.
    public private(set) var authFailures = 0
    /// The last retry delay chosen, in nanoseconds.
    public private(set) var lastRetryDelayNs: Int64?
    /// The last failure, as a sentence (no secrets: it holds broker and library messages only).
    public private(set) var lastError: String?

    /// A link in `.idle`; `random` supplies the jitter; `lastSession` is the persisted `session` counter.
    public init(
        configuration: Configuration = Configuration(), random: any RandomNumberGenerator & Sendable,
        lastSession: Int64 = 0
    ) {
        self.configuration = configuration
        self.random = random
        session = lastSession
    }

    /// Whether an event of client `generation` is of the current client.
    public func isCurrent(generation: Int) -> Bool { generation == clientGeneration }

    /// Ids not to send now: in flight, or acknowledged and not yet removed.
    public var excludedIDs: Set<String> { inFlightIDs.union(awaitingRemoval) }

    /// Where the link is.
    public var phase: Phase {
        switch state {
        case .idle: .idle
        case .connecting(let sinceNs, _): .connecting(sinceNs: sinceNs)
        case .connected(let connection): .connected(sinceNs: connection.sinceNs)
        case .waiting(let untilNs, let authCode?): .authRejected(connackCode: authCode, untilNs: untilNs)
        case .waiting(let untilNs, nil): .waiting(untilNs: untilNs)
        case .stopped: .stopped
        }
    }

    /// Ids of entries published and not yet acknowledged (pass to `Outbox.pending(limit:excluding:)`).
    public var inFlightIDs: Set<String> {
        if case .connected(let connection) = state { return connection.inFlightIDs }
        return []
    }

    /// How many more entries may be published now (0 unless connected).
    public var freeSlots: Int {
        if case .connected(let connection) = state {
            return max(0, configuration.inFlightWindow - connection.inFlightIDs.count)
        }
        return 0
    }

    /// Starts the first connect attempt.
    public mutating func start(nowNs: Int64) -> Action {
        switch state {
        case .idle: beginAttempt(nowNs: nowNs)
        case .connecting, .connected, .waiting, .stopped: .none
        }
    }

    /// A retry delay or connect deadline the owner scheduled has passed.
    public mutating func timerFired(nowNs: Int64) -> Action {
        switch state {
        case .waiting(let untilNs, _) where nowNs >= untilNs:
            return beginAttempt(nowNs: nowNs)
        case .connecting(_, let deadlineNs) where nowNs >= deadlineNs:
            return fail(nowNs: nowNs, reason: "no CONNACK within \(configuration.connectTimeoutNs / 1_000_000) ms")
        case .idle, .connecting, .connected, .waiting, .stopped:
            return .none
        }
    }

    /// The connect attempt failed before any CONNACK (unreachable, TLS failure, lost during the handshake).
    public mutating func connectFailed(nowNs: Int64, reason: String) -> Action {
        switch state {
        case .connecting: fail(nowNs: nowNs, reason: reason)
        case .idle, .connected, .waiting, .stopped: .none
        }
    }

    /// CONNACK 0. `backlogThroughPosition` is `Outbox.highestPosition()` now: entries up to it are backlog.
    public mutating func connected(nowNs: Int64, backlogThroughPosition: Int64) -> Action {
        switch state {
        case .connecting:
            state = .connected(Connection(sinceNs: nowNs, backlogThroughPosition: backlogThroughPosition))
            sendCursor = .start
            return .publishBirth
        case .idle, .connected, .waiting, .stopped:
            return .none
        }
    }

    /// CONNACK with a refusal code. 4 (bad user name or password) and 5 (not authorised) are credential
    /// failures, retried slowly; other codes back off like any failure.
    public mutating func connectRefused(connackCode: Int32, reason: String, nowNs: Int64) -> Action {
        guard case .connecting = state else { return .none }
        guard connackCode == 4 || connackCode == 5 else {
            return fail(nowNs: nowNs, reason: "broker refused the connection: \(reason)")
        }
        authFailures += 1
        lastError = "broker refused the credentials: \(reason) (CONNACK \(connackCode))"
        let delay = configuration.authRetryNs + jitter(of: configuration.authRetryNs)
        lastRetryDelayNs = delay
        state = .waiting(untilNs: nowNs + delay, authCode: connackCode)
        return .reportAuthFailure(connackCode: connackCode, retryAfterNs: delay)
    }

    /// The connection ended (or the attempt failed after starting).
    public mutating func connectionLost(nowNs: Int64, reason: String) -> Action {
        switch state {
        case .connecting:
            return fail(nowNs: nowNs, reason: reason)
        case .connected(let connection):
            if nowNs - connection.sinceNs >= configuration.stableConnectionNs { consecutiveFailures = 0 }
            return fail(nowNs: nowNs, reason: "connection lost: \(reason)")
        case .idle, .waiting, .stopped:
            return .none
        }
    }

    /// Offers the next waiting entry. Returns `.publish` when connected, the window has room and the entry is
    /// not already in flight; the owner must then report `published` or `publishFailed`.
    public mutating func send(_ entry: OutboxEntry) -> Action {
        guard case .connected(var connection) = state,
            connection.inFlightIDs.count < configuration.inFlightWindow,
            !connection.inFlightIDs.contains(entry.id)
        else { return .none }
        guard !awaitingRemoval.contains(entry.id) else { return .none }
        connection.inFlightIDs.insert(entry.id)
        let isBacklog = entry.position <= connection.backlogThroughPosition
        state = .connected(connection)
        sendCursor.advance(past: entry)
        return .publish(entry, isBacklog: isBacklog)
    }

    /// The client accepted the entry with message id `mid`.
    public mutating func published(id: String, mid: Int32) {
        guard case .connected(var connection) = state, connection.inFlightIDs.contains(id) else { return }
        connection.entryByMid[mid] = id
        state = .connected(connection)
    }

    /// The client refused the entry (not connected any more, for instance); it may be offered again, so the next
    /// refill reads from the start of every class again.
    public mutating func publishFailed(id: String) {
        sendCursor = .start
        guard case .connected(var connection) = state else { return }
        connection.inFlightIDs.remove(id)
        state = .connected(connection)
    }

    /// The birth status went out with message id `mid`.
    public mutating func birthPublished(mid: Int32) {
        guard case .connected(var connection) = state else { return }
        connection.birthMid = mid
        state = .connected(connection)
    }

    /// PUBACK for `mid`: an entry's acknowledgement joins the batch awaiting removal (`.removeFromOutbox` when the
    /// batch is full, else `.scheduleRemoval` for its first id) and asks for one refill per burst (`.refillWindow`).
    public mutating func pubackReceived(mid: Int32, nowNs: Int64) -> [Action] {
        guard case .connected(var connection) = state else { return [] }
        if connection.birthMid == mid {
            connection.birthMid = nil
            state = .connected(connection)
            return []
        }
        guard let id = connection.entryByMid.removeValue(forKey: mid) else { return [] }
        connection.inFlightIDs.remove(id)
        state = .connected(connection)
        acknowledged += 1
        awaitingRemoval.insert(id)
        var actions: [Action] = []
        if awaitingRemoval.count >= configuration.removalBatch {
            actions.append(.removeFromOutbox(ids: awaitingRemoval.sorted()))
        } else if !removalScheduled {
            removalScheduled = true
            actions.append(.scheduleRemoval(afterNs: configuration.removalDelayNs))
        }
        if !refillRequested {
            refillRequested = true
            actions.append(.refillWindow)
        }
        return actions
    }

    /// The removal delay has passed: the acknowledged entries gathered since go.
    public mutating func removalTimerFired(nowNs: Int64) -> Action {
        removalScheduled = false
        return awaitingRemoval.isEmpty ? .none : .removeFromOutbox(ids: awaitingRemoval.sorted())
    }

    /// These acknowledged entries are gone from the outbox.
    public mutating func removed(ids: [String]) {
        awaitingRemoval.subtract(ids)
    }

    /// Removing failed (storage error): the ids stay excluded from sending and are tried again later.
    public mutating func removalFailed() -> Action {
        guard !removalScheduled else { return .none }
        removalScheduled = true
        return .scheduleRemoval(afterNs: configuration.removalDelayNs)
    }

    /// The owner runs the refill it was asked for (or one of its own: new entries in the outbox): the entries to
    /// read are `pendingQuery`'s; offer each with `send`.
    public mutating func refillStarted() { refillRequested = false }

    /// What a refill reads: up to `limit` entries after `cursor`, none of `excluding`.
    public var pendingQuery: (limit: Int, cursor: OutboxSendCursor, excluding: Set<String>) {
        (freeSlots, sendCursor, excludedIDs)
    }

    /// The owner stops: whatever acknowledged entries are still waiting go now (the last removal).
    public mutating func finalRemoval() -> Action {
        awaitingRemoval.isEmpty ? .none : .removeFromOutbox(ids: awaitingRemoval.sorted())
    }

    /// Stops for good (graceful shutdown).
    public mutating func stop(nowNs: Int64) -> Action {
        switch state {
        case .connecting, .connected:
            state = .stopped
            return .disconnect
        case .idle, .waiting:
            state = .stopped
            return .none
        case .stopped:
            return .none
        }
    }

    private mutating func beginAttempt(nowNs: Int64) -> Action {
        connectAttempts += 1
        session += 1
        clientGeneration += 1
        let deadline = nowNs + configuration.connectTimeoutNs
        state = .connecting(sinceNs: nowNs, deadlineNs: deadline)
        return .connect(deadlineNs: deadline)
    }

    private mutating func fail(nowNs: Int64, reason: String) -> Action {
        consecutiveFailures += 1
        lastError = reason
        let delay = backoff(failures: consecutiveFailures)
        lastRetryDelayNs = delay
        state = .waiting(untilNs: nowNs + delay, authCode: nil)
        return .reconnect(afterNs: delay)
    }

    /// `min(max, initial * 2^(failures-1))` minus up to `jitterFraction` of it.
    private mutating func backoff(failures: Int) -> Int64 {
        var base = configuration.initialBackoffNs
        for _ in 1..<max(1, failures) where base < configuration.maxBackoffNs {
            base = base > configuration.maxBackoffNs / 2 ? configuration.maxBackoffNs : base * 2
        }
        base = min(base, configuration.maxBackoffNs)
        return base - jitter(of: base)
    }

    private mutating func jitter(of value: Int64) -> Int64 {
        let unit = Double(random.next() >> 11) * 0x1p-53
        return Int64(Double(value) * configuration.jitterFraction * unit)
    }
}
