import HoistWatchConfig

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
/// - `session` rises on every successful connect (CONNACK 0; mqtt.md), not on attempts: an attempt carries
///   `attemptSession` (one more) in its will, and the owner persists it once the broker accepted the connection.
///   Each attempt raises `clientGeneration`, so the owner can tell events of a closed client from the current one's.
/// - With alarms waiting (`alarmsWaiting`), the first retries after a loss come at most `alarmMaxBackoffNs` apart
///   (still jittered) for `alarmFastRetryNs`; a wait already longer is cut short when an alarm arrives.
/// - Several endpoints (a primary and backups): after `failoverAfterFailures` failed attempts in a row on one the
///   next is tried, after the first delay; connected to a backup for `primaryReturnNs`, the link goes back to the
///   primary (`.switchEndpoint`). The outbox is the same whichever broker takes it.
/// - Flight-record parts (`MqttSendLane.records`) have a lane of their own, `recordWindow` in flight at most, so
///   events never queue behind more than that many records' bytes (`MqttLink+Delivery.swift`).
/// - An entry that was in flight when connections ended is implicated: it is sent again only alone, and after
///   `maxTries` connections lost with it alone in flight it is set aside (`.setAside`: removed and counted as a
///   drop), so a message the broker keeps refusing never holds back the entries behind it. On MQTT 5 a broker says
///   so in the PUBACK (`pubackRefused`): a refusal that sending again cannot change (packet too large) sets the
///   entry aside at once, any other after `maxTries` refusals.
/// - MQTT 5 first, 3.1.1 for a broker that does not speak it (`MqttProtocolChoice`, per endpoint); an MQTT 5
///   broker's CONNACK limits (`MqttBrokerLimits`) narrow the windows and the message size for that connection.
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
        /// With alarms waiting, the cap on the retry delay during the first `alarmFastRetryNs` after a loss.
        public var alarmMaxBackoffNs: Int64 = 5_000_000_000
        /// How long after a loss alarms shorten the retries; then the usual cap applies again.
        public var alarmFastRetryNs: Int64 = 600_000_000_000
        /// The primary plus the backups (the owner's endpoint list; index 0 is the primary).
        public var endpointCount: Int = 1
        /// Failed attempts in a row on one endpoint before the next is tried.
        public var failoverAfterFailures: Int = 2
        /// Connected to a backup this long, the link goes back to the primary.
        public var primaryReturnNs: Int64 = 300_000_000_000
        /// The largest PUBLISH packet (fixed header, topic, packet id, payload) the link sends; a larger entry is
        /// set aside (site setting `broker.max_message_bytes`).
        public var maxMessageBytes: Int = 131_072
        /// Connections lost with an entry alone in flight before it is set aside.
        public var maxTries: Int = 3
        /// Flight-record parts in flight at most.
        public var recordWindow: Int = 2
        /// MQTT 5, 3.1.1, or MQTT 5 falling back to 3.1.1 (site setting `broker.mqtt_version`).
        public var mqttVersion: MqttProtocolChoice = .auto

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
        /// waiting when the connection came up, so it is sent later than it happened. The client speaks
        /// `attemptProtocol`; an entry whose PUBLISH is larger than `maxMessageBytes` goes to `tooLarge` instead.
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
        /// Publish the offline status on the current client and close it, then connect to `endpoint` as for
        /// `.connect` (going back to the primary).
        case switchEndpoint(deadlineNs: Int64)
        /// Remove this entry from the outbox and count it as dropped in its class, then report `setAsideDone`: it
        /// is never sent again (`reason` says why, for the log).
        case setAside(OutboxEntry, reason: String)
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

    struct Connection {
        var sinceNs: Int64
        var backlogThroughPosition: Int64
        var endpoint: Int
        var protocolVersion: MqttProtocolVersion
        /// What the broker's CONNACK said it takes.
        var limits: MqttBrokerLimits
        /// Events and status messages in flight at most on this connection.
        var messageWindow: Int
        /// Flight-record parts in flight at most on this connection.
        var recordWindow: Int
        var entryByMid: [Int32: String] = [:]
        var inFlightIDs: Set<String> = []
        /// The flight-record parts among `inFlightIDs`.
        var recordIDs: Set<String> = []
        /// The implicated entry sent alone, while it is in flight (nothing else is sent meanwhile).
        var isolatedID: String?
        /// An implicated entry waits for everything in flight to be acknowledged, so it can go alone; nothing is sent
        /// meanwhile, so the send order stays.
        var draining = false
        var birthMid: Int32?
    }

    enum State {
        case idle
        case connecting(sinceNs: Int64, deadlineNs: Int64)
        case connected(Connection)
        case waiting(untilNs: Int64, authCode: Int32?)
        case stopped
    }

    /// The settings.
    public let configuration: Configuration
    var state: State = .idle
    var random: any RandomNumberGenerator & Sendable

    /// The `session` counter of the current or last successful connection (the role of Sparkplug's bdSeq).
    public private(set) var session: Int64
    /// The endpoint of the current or next attempt (0: the primary).
    public internal(set) var endpoint = 0
    /// Failed attempts in a row on `endpoint`.
    var failuresOnEndpoint = 0
    /// The MQTT version of the next attempt on each endpoint.
    public internal(set) var protocolOnEndpoint: [MqttProtocolVersion]
    /// Whether each endpoint's version is known: an MQTT 5 CONNACK came (accepting or refusing), or a refusal of
    /// MQTT 5 itself; a fixed `mqttVersion` is known from the start.
    var protocolConfirmed: [Bool]
    /// When the current outage began (the loss, or the start); nil while connected.
    var outageSinceNs: Int64? = nil
    /// Whether the owner last reported alarms waiting in the outbox.
    var alarmsAreWaiting = false
    /// Entries in flight when connections ended: how many ended with each in flight, and with it alone.
    public internal(set) var implicated: [String: MqttImplication] = [:]
    /// The entry blamed by the last loss (in flight alone) and its tries so far, for the owner's log.
    public internal(set) var lastBlamed: (id: String, tries: Int)?
    /// Entries set aside since start (refused by the broker `maxTries` times, or larger than `maxMessageBytes`).
    public internal(set) var setAsideCount = 0
    /// Raised by every client the link makes: events of an older client are stale.
    public private(set) var clientGeneration = 0
    /// PUBACKs received.
    public private(set) var acknowledged = 0
    /// Acknowledged entries not yet removed from the outbox (excluded from sending until they are).
    public private(set) var awaitingRemoval: Set<String> = []
    private var removalScheduled = false
    var refillRequested = false
    /// What this connection has handed to the client so far, per class: refills read only the rows after it.
    public internal(set) var sendCursor = OutboxSendCursor.start
    /// The same for flight-record parts, which have a lane of their own.
    public internal(set) var recordCursor = OutboxSendCursor.start

    /// Failures since the last stable connection.
    public internal(set) var consecutiveFailures = 0
    /// Connect attempts made.
    public private(set) var connectAttempts = 0
    /// Times the broker refused the credentials.
    public private(set) var authFailures = 0
    /// The last retry delay chosen, in nanoseconds.
    public internal(set) var lastRetryDelayNs: Int64?
    /// The last failure, as a sentence (no secrets: it holds broker and library messages only).
    public internal(set) var lastError: String?

    /// The `session` the current or next attempt carries in its will (and in its birth once accepted).
    public var attemptSession: Int64 {
        if case .connected = state { return session }
        return session + 1
    }

    /// A link in `.idle`; `random` supplies the jitter; `lastSession` is the persisted `session` counter.
    public init(
        configuration: Configuration = Configuration(), random: any RandomNumberGenerator & Sendable,
        lastSession: Int64 = 0
    ) {
        self.configuration = configuration
        self.random = random
        session = lastSession
        let endpoints = max(1, configuration.endpointCount)
        let first: MqttProtocolVersion = configuration.mqttVersion == .v311 ? .v311 : .v5
        protocolOnEndpoint = Array(repeating: first, count: endpoints)
        protocolConfirmed = Array(repeating: configuration.mqttVersion != .auto, count: endpoints)
    }

    /// The MQTT version the current or next attempt speaks.
    public var attemptProtocol: MqttProtocolVersion { protocolOnEndpoint[endpoint] }

    /// The largest PUBLISH the link sends now: `maxMessageBytes`, or less when the broker's CONNACK said so.
    public var maxMessageBytes: Int {
        guard case .connected(let connection) = state, let broker = connection.limits.maximumPacketBytes else {
            return configuration.maxMessageBytes
        }
        return min(configuration.maxMessageBytes, broker)
    }

    /// The broker's limits of the current connection (`.none` unless connected on MQTT 5).
    public var brokerLimits: MqttBrokerLimits {
        if case .connected(let connection) = state { return connection.limits }
        return .none
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

    /// How many more events and status messages may be published now (0 unless connected).
    public var freeSlots: Int {
        if case .connected(let connection) = state {
            return max(0, connection.messageWindow - (connection.inFlightIDs.count - connection.recordIDs.count))
        }
        return 0
    }

    /// How many more flight-record parts may be published now (0 unless connected).
    public var freeRecordSlots: Int {
        if case .connected(let connection) = state {
            return max(0, connection.recordWindow - connection.recordIDs.count)
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

    /// A retry delay, connect deadline or the return to the primary the owner scheduled has come.
    public mutating func timerFired(nowNs: Int64) -> Action {
        switch state {
        case .waiting(let untilNs, _) where nowNs >= untilNs:
            return beginAttempt(nowNs: nowNs)
        case .connecting(_, let deadlineNs) where nowNs >= deadlineNs:
            _ = chooseVersionAfterNoConnack(brokerClosedIt: false)
            return fail(nowNs: nowNs, reason: "no CONNACK within \(configuration.connectTimeoutNs / 1_000_000) ms")
        case .connected:
            guard let deadline = returnToPrimaryDeadlineNs, nowNs >= deadline else { return .none }
            endpoint = 0
            failuresOnEndpoint = 0
            guard case .connect(let connectDeadline) = beginAttempt(nowNs: nowNs) else { return .none }
            return .switchEndpoint(deadlineNs: connectDeadline)
        case .idle, .connecting, .waiting, .stopped:
            return .none
        }
    }

    /// Connected to a backup: when to go back to the primary (schedule `timerFired` then); nil otherwise.
    public var returnToPrimaryDeadlineNs: Int64? {
        guard case .connected(let connection) = state, connection.endpoint != 0 else { return nil }
        return connection.sinceNs + configuration.primaryReturnNs
    }

    /// The connect attempt failed before any CONNACK (unreachable, TLS failure, lost during the handshake).
    public mutating func connectFailed(nowNs: Int64, reason: String) -> Action {
        switch state {
        case .connecting:
            _ = chooseVersionAfterNoConnack(brokerClosedIt: false)
            return fail(nowNs: nowNs, reason: reason)
        case .idle, .connected, .waiting, .stopped: return .none
        }
    }

    /// CONNACK 0. `backlogThroughPosition` is `Outbox.highestPosition()` now: entries up to it are backlog.
    /// `brokerLimits`: what an MQTT 5 CONNACK said (`MosquittoClient.brokerLimits`); with a Receive Maximum the
    /// windows shrink so that every message in flight fits it, with room for the births and two status messages, and
    /// libmosquitto never holds an alarm back behind flight-record parts.
    public mutating func connected(
        nowNs: Int64, backlogThroughPosition: Int64, brokerLimits: MqttBrokerLimits = .none
    ) -> Action {
        switch state {
        case .connecting:
            var messageWindow = configuration.inFlightWindow
            var recordWindow = configuration.recordWindow
            if let receive = brokerLimits.receiveMaximum {
                let room = receive - Self.reservedSlots
                recordWindow = room >= recordWindow + 1 ? recordWindow : 1
                messageWindow = max(1, min(messageWindow, room - recordWindow))
            }
            state = .connected(
                Connection(
                    sinceNs: nowNs, backlogThroughPosition: backlogThroughPosition, endpoint: endpoint,
                    protocolVersion: attemptProtocol, limits: brokerLimits, messageWindow: messageWindow,
                    recordWindow: recordWindow))
            if attemptProtocol == .v5 { protocolConfirmed[endpoint] = true }
            session += 1
            failuresOnEndpoint = 0
            outageSinceNs = nil
            sendCursor = .start
            recordCursor = .start
            return .publishBirth
        case .idle, .connected, .waiting, .stopped:
            return .none
        }
    }

    /// CONNACK with a refusal code. 4 and 5 (MQTT 3.1.1), 134 and 135 (MQTT 5: bad user name or password, not
    /// authorised) are credential failures, retried slowly; 132 (MQTT 5 unsupported, `auto` only) makes this
    /// endpoint MQTT 3.1.1 for good and the next attempt come at once; other codes back off like any failure. Any
    /// other refusal of an MQTT 5 CONNECT came in MQTT 5, so the broker speaks it.
    public mutating func connectRefused(connackCode: Int32, reason: String, nowNs: Int64) -> Action {
        guard case .connecting = state else { return .none }
        if connackCode == Self.unsupportedProtocolVersion, configuration.mqttVersion == .auto,
            attemptProtocol == .v5
        {
            protocolOnEndpoint[endpoint] = .v311
            protocolConfirmed[endpoint] = true
            return retryAtOnce(
                nowNs: nowNs, because: "broker does not speak MQTT 5 (\(reason)): the next attempt speaks MQTT 3.1.1")
        }
        if attemptProtocol == .v5 { protocolConfirmed[endpoint] = true }
        guard Self.credentialRefusals.contains(connackCode) else {
            return fail(nowNs: nowNs, reason: "broker refused the connection: \(reason)")
        }
        authFailures += 1
        lastError = "broker refused the credentials: \(reason) (CONNACK \(connackCode))"
        let delay = configuration.authRetryNs + jitter(of: configuration.authRetryNs)
        lastRetryDelayNs = delay
        state = .waiting(untilNs: nowNs + delay, authCode: connackCode)
        return .reportAuthFailure(connackCode: connackCode, retryAfterNs: delay)
    }

    /// The connection ended (or the attempt failed after starting). `brokerClosedIt`: the broker closed the
    /// connection (or sent what libmosquitto could not read), as opposed to an unreachable address, a TLS failure or
    /// the client's own close; before a CONNACK on MQTT 5, with `auto`, that makes the next attempt MQTT 3.1.1, at
    /// once (a broker without MQTT 5 that closes such a CONNECT unanswered, as RabbitMQ 3.10 does).
    public mutating func connectionLost(nowNs: Int64, reason: String, brokerClosedIt: Bool = false) -> Action {
        switch state {
        case .connecting:
            if chooseVersionAfterNoConnack(brokerClosedIt: brokerClosedIt) {
                return retryAtOnce(
                    nowNs: nowNs,
                    because: "\(reason): the broker closed an MQTT 5 connection before its CONNACK, so it may not "
                        + "speak MQTT 5: the next attempt speaks MQTT 3.1.1")
            }
            return fail(nowNs: nowNs, reason: reason)
        case .connected(let connection):
            if nowNs - connection.sinceNs >= configuration.stableConnectionNs { consecutiveFailures = 0 }
            implicate(connection)
            // A 3.1.1 connection made after such a close was not a proof: the next outage tries MQTT 5 first again.
            if configuration.mqttVersion == .auto, !protocolConfirmed[endpoint] { protocolOnEndpoint[endpoint] = .v5 }
            return fail(nowNs: nowNs, reason: "connection lost: \(reason)")
        case .idle, .waiting, .stopped:
            return .none
        }
    }

    /// The client accepted the entry with message id `mid`.
    public mutating func published(id: String, mid: Int32) {
        guard case .connected(var connection) = state, connection.inFlightIDs.contains(id) else { return }
        connection.entryByMid[mid] = id
        state = .connected(connection)
    }

    /// The outbox moved to another database (`Outbox.storeGeneration`): entries may wait below the cursors, so the
    /// next refill reads from the start of every class again (what is in flight stays excluded by its id).
    public mutating func rewindCursors() {
        sendCursor = .start
        recordCursor = .start
    }

    /// The client refused the entry (not connected any more, for instance); it may be offered again, so the next
    /// refill reads from the start of every class again.
    public mutating func publishFailed(id: String) {
        sendCursor = .start
        recordCursor = .start
        guard case .connected(var connection) = state else { return }
        connection.inFlightIDs.remove(id)
        connection.recordIDs.remove(id)
        if connection.isolatedID == id { connection.isolatedID = nil }
        state = .connected(connection)
    }

    /// The birth status went out with message id `mid`.
    public mutating func birthPublished(mid: Int32) {
        guard case .connected(var connection) = state else { return }
        connection.birthMid = mid
        state = .connected(connection)
    }

    /// The entry in flight as message id `mid` on this connection (nil for the birth's, a stale or an unknown mid).
    public func entryID(forMid mid: Int32) -> String? {
        guard case .connected(let connection) = state else { return nil }
        return connection.entryByMid[mid]
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
        connection.recordIDs.remove(id)
        if connection.isolatedID == id { connection.isolatedID = nil }
        if connection.inFlightIDs.isEmpty { connection.draining = false }
        state = .connected(connection)
        implicated[id] = nil
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

    /// What a refill reads for events and status: up to `limit` entries after `cursor`, none of `excluding`, no
    /// flight-record part.
    public var pendingQuery: (limit: Int, cursor: OutboxSendCursor, excluding: Set<String>) {
        (freeSlots, sendCursor, excludedIDs)
    }

    /// What a refill reads for flight-record parts: as `pendingQuery`, flight-record parts only.
    public var recordQuery: (limit: Int, cursor: OutboxSendCursor, excluding: Set<String>) {
        (freeRecordSlots, recordCursor, excludedIDs)
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

    /// The version of the next attempt after this one ended without a CONNACK, with `auto` and the endpoint's version
    /// not known: MQTT 3.1.1 when the broker closed an MQTT 5 attempt (returns true: try it at once), else MQTT 5
    /// (a 3.1.1 attempt after such a close failed too, or the broker was simply unreachable: nothing learnt).
    mutating func chooseVersionAfterNoConnack(brokerClosedIt: Bool) -> Bool {
        guard configuration.mqttVersion == .auto, !protocolConfirmed[endpoint] else { return false }
        if brokerClosedIt, attemptProtocol == .v5 {
            protocolOnEndpoint[endpoint] = .v311
            return true
        }
        protocolOnEndpoint[endpoint] = .v5
        return false
    }

    /// The next attempt comes at once and is not counted as a failure (no backoff step): only the version changed.
    mutating func retryAtOnce(nowNs: Int64, because reason: String) -> Action {
        lastError = reason
        lastRetryDelayNs = 0
        state = .waiting(untilNs: nowNs, authCode: nil)
        return .reconnect(afterNs: 0)
    }

    /// CONNACK codes of refused credentials: 4 and 5 on MQTT 3.1.1, 134 and 135 on MQTT 5.
    static let credentialRefusals: Set<Int32> = [4, 5, 134, 135]
    /// MQTT 5's "unsupported protocol version" (libmosquitto's report of a 3.1.1 broker's refusal too).
    static let unsupportedProtocolVersion: Int32 = 132
    /// In-flight room kept beside the windows: the two births, a status sent from memory, the shutdown status.
    static let reservedSlots = 4

    mutating func beginAttempt(nowNs: Int64) -> Action {
        connectAttempts += 1
        clientGeneration += 1
        if outageSinceNs == nil { outageSinceNs = nowNs }
        let deadline = nowNs + configuration.connectTimeoutNs
        state = .connecting(sinceNs: nowNs, deadlineNs: deadline)
        return .connect(deadlineNs: deadline)
    }
}
