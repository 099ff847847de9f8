import CMosquitto
import Logging
import ServiceLifecycle

/// Runs the MQTT link: carries out the actions of `MqttLink`, which holds the link's whole state (connection,
/// window, session, client generation, acknowledged entries awaiting removal, send cursor): it connects, publishes
/// the retained birth status, sends the outbox (alarms first, a window of `inFlightWindow` at a time), removes
/// acknowledged entries in batches, reconnects with backoff and reports refused credentials.
///
/// Time comes from `clock` (a test passes a manual clock and advances it by hand); every outbox call runs on the
/// outbox's writer thread (`Outbox.perform`), never on Swift's cooperative pool.
///
/// Each successful connect gets a new `session` number (persisted in the outbox once the broker accepted the
/// connection, before the birth goes out); the same number goes into that connection's will and birth, like
/// Sparkplug's bdSeq, so a subscriber can match a death to its birth. The birth is also published, retained, on
/// `birthTopic`, where nothing else is published, so a late subscriber still finds its fields. Backlog status
/// entries are published without the retain flag, so an old status never replaces the birth as the retained
/// status. On graceful shutdown (and when it leaves a backup for the primary) it publishes the will payload itself
/// (a clean DISCONNECT does not fire the will) and disconnects.
///
/// Before every retry decision it tells the machine whether alarms wait in the outbox (shorter retries), and it
/// renders each payload before publishing to hold it to `maxMessageBytes`.
public actor MqttLinkService<C: Clock>: Service where C.Duration == Duration {
    /// Builds a payload from the session number (birth and will).
    public typealias SessionPayload = @Sendable (_ session: Int64) -> [UInt8]

    private enum Input: Sendable {
        case client(generation: Int, MosquittoEvent)
        case timer(generation: Int)
        case removalTimer
        case outboxChanged
        /// Refill the window once the PUBACKs queued before it are handled (one outbox read for a burst of them).
        case fillWindow
        case shutdown
    }

    private let configuration: MqttLinkConfiguration
    private let outbox: Outbox
    private let logger: Logger
    private let birth: SessionPayload
    private let will: SessionPayload
    private let inputs: AsyncStream<Input>
    private let inputContinuation: AsyncStream<Input>.Continuation
    private let clock: C
    private let origin: C.Instant
    /// Runs each client's connection; nil: each client its own (a thread while connected).
    private let networkLoop: MosquittoNetworkLoop?

    private var machine: MqttLink
    private var client: MosquittoClient?
    /// A flight-record part may wait: set by every append and connect, cleared when a records read finds none (a
    /// records read steps over every waiting event, so it is skipped when nothing new can be there).
    private var recordsMayWait = true
    /// The outbox's `storeGeneration` when the window was last filled: a new one (a memory-only outbox that opened
    /// its database) means positions below the send cursors may wait, so every class is read from the start again.
    private var storeGeneration = 0
    /// The current client got CONNACK 0 (so closing it is quick and an offline status can go out first).
    private var clientConnected = false
    /// Raised for every timer scheduled, so a timer replaced by a newer one is ignored when it fires.
    private var timerGeneration = 0
    private var timerTask: Task<Void, Never>?
    private var forwardTask: Task<Void, Never>?

    /// A link for `outbox` on `clock`. `birth` and `will` build the status payloads for a session number;
    /// `random` supplies backoff jitter. `networkLoop` runs the link's connections beside other links' (the fleet
    /// bench: a few threads for thousands of boards); nil: each connection a network thread of its own (the agent).
    public init(
        configuration: MqttLinkConfiguration,
        outbox: Outbox,
        logger: Logger,
        clock: C,
        birth: @escaping SessionPayload,
        will: @escaping SessionPayload,
        random: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator(),
        networkLoop: MosquittoNetworkLoop? = nil
    ) {
        self.networkLoop = networkLoop
        self.configuration = configuration
        self.outbox = outbox
        self.logger = logger
        self.birth = birth
        self.will = will
        self.clock = clock
        machine = MqttLink(configuration: configuration.link, random: random, lastSession: (try? outbox.session()) ?? 0)
        (inputs, inputContinuation) = AsyncStream.makeStream(of: Input.self, bufferingPolicy: .unbounded)
        origin = clock.now
    }

    /// Runs until graceful shutdown or cancellation. Call once.
    public func run() async throws {
        let continuation = inputContinuation
        let trace = LatencyTrace.shared
        outbox.setAppendObserver {
            trace?.committed()
            continuation.yield(.outboxChanged)
        }
        defer { outbox.setAppendObserver(nil) }
        await withGracefulShutdownHandler {
            await self.loop()
        } onGracefulShutdown: {
            continuation.yield(.shutdown)
        }
    }

    /// Tells the link the outbox has new entries. Appends through the same `Outbox` object already do this.
    public nonisolated func outboxDidChange() {
        inputContinuation.yield(.outboxChanged)
    }

    /// Starts the same graceful shutdown a `ServiceGroup` would: publish the offline status, disconnect, return
    /// from `run()`.
    public nonisolated func triggerShutdown() {
        inputContinuation.yield(.shutdown)
    }

    /// Publishes a status on the status topic, retained, QoS 1, straight from memory, when the link is connected:
    /// nothing is stored (no fsync), and a status lost with the connection is replaced by the birth of the next one.
    /// Returns false when not connected or the client refused it; the caller then stores it in the outbox.
    public func publishStatusNow(_ payload: [UInt8]) -> Bool {
        guard clientConnected, let client, case .connected = machine.phase else { return false }
        do {
            _ = try client.publish(topic: configuration.statusTopic, payload: payload, retain: true)
            return true
        } catch {
            return false
        }
    }

    /// Where the link is and what last went wrong.
    public func diagnostics() -> MqttLinkDiagnostics {
        MqttLinkDiagnostics(
            phase: machine.phase, lastError: machine.lastError, consecutiveFailures: machine.consecutiveFailures,
            connectAttempts: machine.connectAttempts, authFailures: machine.authFailures,
            lastRetryDelayNs: machine.lastRetryDelayNs, session: machine.session,
            endpoint: "\(configuration.endpoints[machine.endpoint])", protocolVersion: machine.attemptProtocol,
            brokerLimits: machine.brokerLimits, setAside: machine.setAsideCount,
            inFlight: machine.inFlightIDs.count, acknowledged: machine.acknowledged, nowNs: nowNs())
    }

    private func loop() async {
        logger.info("MQTT link starting")
        await run(machine.start(nowNs: nowNs()))
        for await input in inputs {
            switch input {
            case .client(let generation, let event):
                if machine.isCurrent(generation: generation) { await handle(event) }
            case .timer(let generation):
                if generation == timerGeneration {
                    if case .connecting = machine.phase { await noteAlarmsWaiting() }
                    await run(machine.timerFired(nowNs: nowNs()))
                }
            case .removalTimer:
                await run(machine.removalTimerFired(nowNs: nowNs()))
            case .outboxChanged:
                LatencyTrace.shared?.woke()
                recordsMayWait = true
                switch machine.phase {
                case .waiting: await noteAlarmsWaiting()
                case .connected: await fillWindow()
                case .idle, .connecting, .authRejected, .stopped: break
                }
            case .fillWindow:
                machine.refillStarted()
                await fillWindow()
            case .shutdown:
                await run(machine.stop(nowNs: nowNs()))
            }
            if case .stopped = machine.phase { break }
        }
        await run(machine.finalRemoval())
        timerGeneration += 1
        timerTask?.cancel()
        forwardTask?.cancel()
        if let client {
            self.client = nil
            client.closeInBackground()
        }
        logger.info("MQTT link stopped")
    }

    private func handle(_ event: MosquittoEvent) async {
        switch event {
        case .connected:
            let backlog: Int64
            do {
                backlog = try await outbox.perform { outbox in try outbox.highestPosition() }
            } catch {
                logger.info("MQTT link cannot read the outbox", metadata: ["outbox.error": "\(error)"])
                backlog = .max
            }
            let limits = client?.brokerLimits ?? .none
            let action = machine.connected(nowNs: nowNs(), backlogThroughPosition: backlog, brokerLimits: limits)
            logger.info(
                "MQTT link connected",
                metadata: [
                    "mqtt.session": "\(machine.session)", "mqtt.broker": "\(currentEndpoint)",
                    "mqtt.version": "\(machine.attemptProtocol)",
                    "mqtt.broker_max_packet": "\(limits.maximumPacketBytes.map { "\($0)" } ?? "-")",
                    "mqtt.broker_receive_max": "\(limits.receiveMaximum.map { "\($0)" } ?? "-")",
                ])
            await run(action)
        case .connectRefused(let code, let reason):
            await noteAlarmsWaiting()
            await run(machine.connectRefused(connackCode: code, reason: reason, nowNs: nowNs()))
        case .disconnected(let error):
            await noteAlarmsWaiting()
            // The broker closed it, or sent what libmosquitto cannot read (a 3.1.1 CONNACK to an MQTT 5 CONNECT).
            let closedByBroker = [MOSQ_ERR_CONN_LOST, MOSQ_ERR_PROTOCOL, MOSQ_ERR_MALFORMED_PACKET].contains {
                error?.code == Int32($0.rawValue)
            }
            let action = machine.connectionLost(
                nowNs: nowNs(), reason: error?.description ?? "closed by the client", brokerClosedIt: closedByBroker)
            if let (id, tries) = machine.lastBlamed {
                logger.warning(
                    "MQTT connection ended with one entry alone in flight; it is set aside after a few such tries",
                    metadata: [
                        "outbox.id": "\(id)", "mqtt.tries": "\(tries)",
                        "mqtt.max_tries": "\(machine.configuration.maxTries)", "mqtt.broker": "\(currentEndpoint)",
                    ])
            }
            await run(action)
        case .published(let mid):
            if let trace = LatencyTrace.shared, let id = machine.entryID(forMid: mid),
                let path = trace.acknowledged(id: id)
            {
                var metadata = path.stepsUs.mapValues { Logger.MetadataValue.string($0) }
                metadata["outbox.id"] = "\(id)"
                logger.notice("latency trace", metadata: metadata)
            }
            for action in machine.pubackReceived(mid: mid, nowNs: nowNs()) { await run(action) }
        case .publishRefused(let mid, let code, let reason):
            let (id, action) = machine.pubackRefused(mid: mid, reasonCode: code, reason: reason, nowNs: nowNs())
            if let id {
                logger.warning(
                    "MQTT broker refused an entry in its PUBACK; it is sent again, or set aside when that cannot help",
                    metadata: [
                        "outbox.id": "\(id)", "mqtt.reason_code": "\(code)", "mqtt.reason": "\(reason)",
                        "mqtt.refusals": "\(machine.implicated[id]?.refusals ?? 0)",
                        "mqtt.max_tries": "\(machine.configuration.maxTries)", "mqtt.broker": "\(currentEndpoint)",
                    ])
            } else {
                logger.warning(
                    "MQTT broker refused a status message in its PUBACK",
                    metadata: ["mqtt.reason_code": "\(code)", "mqtt.reason": "\(reason)"])
            }
            await run(action)
        case .log(let level, let message):
            logger.debug("libmosquitto", metadata: ["mqtt.log_level": "\(level)", "mqtt.log": "\(message)"])
        case .subscribed, .message:
            break
        }
    }

    private func run(_ action: MqttLink.Action) async {
        switch action {
        case .none:
            break
        case .connect(let deadlineNs):
            schedule(afterNs: deadlineNs - nowNs())
            await startClient()
        case .switchEndpoint(let deadlineNs):
            logger.info("MQTT link going back to the primary broker", metadata: ["mqtt.broker": "\(currentEndpoint)"])
            if let client, clientConnected {
                // The backup's subscribers learn the board left it (a clean DISCONNECT does not fire the will).
                _ = try? client.publish(
                    topic: configuration.statusTopic, payload: will(machine.session), retain: true)
            }
            schedule(afterNs: deadlineNs - nowNs())
            await startClient()
        case .setAside(let entry, let reason):
            await setAside(entry, reason: reason)
        case .reconnect(let afterNs):
            dropClient()
            schedule(afterNs: afterNs)
            logger.info(
                "MQTT link will retry",
                metadata: [
                    "mqtt.retry_ms": "\(afterNs / 1_000_000)", "mqtt.error": "\(machine.lastError ?? "")",
                    "mqtt.broker": "\(currentEndpoint)",
                ])
        case .reportAuthFailure(let code, let retryAfterNs):
            dropClient()
            schedule(afterNs: retryAfterNs)
            logger.info(
                "MQTT broker refused the credentials; check the user name and password in the site config",
                metadata: [
                    "mqtt.connack": "\(code)", "mqtt.retry_ms": "\(retryAfterNs / 1_000_000)",
                    "mqtt.user": "\(configuration.broker.username ?? "")",
                ])
        case .publishBirth:
            clientConnected = true
            recordsMayWait = true
            let session = machine.session
            do {
                try await outbox.perform { outbox in try outbox.recordSession(session) }
            } catch {
                logger.info("MQTT link cannot store the session counter", metadata: ["outbox.error": "\(error)"])
            }
            publishBirth()
            if let deadline = machine.returnToPrimaryDeadlineNs { schedule(afterNs: deadline - nowNs()) }
            await fillWindow()
        case .publish(let entry, let isBacklog):
            await publish(entry, isBacklog: isBacklog)
        case .removeFromOutbox(let ids):
            do {
                _ = try await outbox.perform { outbox in try outbox.remove(ids: ids) }
                machine.removed(ids: ids)
            } catch {
                // Kept for the next removal; they stay excluded from sending until removed.
                logger.info("MQTT link cannot remove acknowledged entries", metadata: ["outbox.error": "\(error)"])
                await run(machine.removalFailed())
            }
        case .scheduleRemoval(let afterNs):
            let continuation = inputContinuation
            let clock = clock
            let deadline = clock.now.advanced(by: .nanoseconds(afterNs))
            Task {
                try? await clock.sleep(until: deadline, tolerance: nil)
                continuation.yield(.removalTimer)
            }
        case .refillWindow:
            inputContinuation.yield(.fillWindow)
        case .disconnect:
            timerGeneration += 1
            timerTask?.cancel()
            if let client, clientConnected {
                // A clean DISCONNECT suppresses the will, so say "offline" ourselves before leaving, and wait
                // for the close (quick on a live connection) so it is written before the process exits.
                _ = try? client.publish(
                    topic: configuration.statusTopic, payload: will(machine.session), retain: true)
                self.client = nil
                clientConnected = false
                client.close()
            } else {
                dropClient()
            }
        }
    }

    private func startClient() async {
        dropClient()
        let session = machine.attemptSession
        var options = configuration.broker
        let endpoint = currentEndpoint
        options.host = endpoint.host
        options.port = endpoint.port
        options.protocolVersion = machine.attemptProtocol
        options.will = .init(topic: configuration.statusTopic, payload: will(session), retained: true)
        // Room for the births, a status sent from memory and the shutdown status beside both windows, so libmosquitto
        // never queues entries.
        options.maxInflightMessages = configuration.link.inFlightWindow + configuration.link.recordWindow + 4
        do {
            let client = try MosquittoClient(options: options, networkLoop: networkLoop)
            let events = client.events
            let generation = machine.clientGeneration
            let continuation = inputContinuation
            forwardTask = Task {
                for await event in events { continuation.yield(.client(generation: generation, event)) }
            }
            self.client = client
            logger.debug(
                "MQTT link connecting",
                metadata: [
                    "mqtt.session": "\(session)", "mqtt.broker": "\(endpoint)",
                    "mqtt.version": "\(options.protocolVersion)",
                ])
            client.connectInBackground()
        } catch {
            await run(machine.connectFailed(nowNs: nowNs(), reason: "\(error)"))
        }
    }

    private func dropClient() {
        clientConnected = false
        forwardTask?.cancel()
        forwardTask = nil
        if let client {
            self.client = nil
            client.closeInBackground()
        }
    }

    private var currentEndpoint: MqttLinkConfiguration.Endpoint { configuration.endpoints[machine.endpoint] }

    private func publishBirth() {
        guard let client else { return }
        let payload = birth(machine.session)
        do {
            let mid = try client.publish(topic: configuration.statusTopic, payload: payload, retain: true)
            machine.birthPublished(mid: mid)
            // Its PUBACK matches no entry and is ignored.
            if let birthTopic = configuration.birthTopic {
                _ = try client.publish(topic: birthTopic, payload: payload, retain: true)
            }
        } catch {
            logger.info("MQTT link cannot publish the birth status", metadata: ["mqtt.error": "\(error)"])
        }
    }

    /// Tells the machine whether alarm entries wait in the outbox, and carries out what it decides.
    private func noteAlarmsWaiting() async {
        let alarms = (try? await outbox.perform { outbox in try outbox.depth() })?.countByPriority[.alarm] ?? 0
        await run(machine.alarmsWaiting(alarms > 0, nowNs: nowNs()))
    }

    private func setAside(_ entry: OutboxEntry, reason: String) async {
        let id = entry.id
        do {
            _ = try await outbox.perform { outbox in try outbox.setAside(id: id) }
        } catch {
            logger.error(
                "MQTT link cannot set an entry aside", metadata: ["outbox.id": "\(id)", "outbox.error": "\(error)"])
            return
        }
        logger.warning(
            "MQTT link set an entry aside: removed from the outbox and counted as dropped",
            metadata: [
                "outbox.id": "\(id)", "mqtt.topic": "\(entry.topic)", "outbox.bytes": "\(entry.payload.count)",
                "outbox.seq": "\(entry.seq.map { "\($0)" } ?? "-")", "outbox.class": "\(entry.priority)",
                "reason": "\(reason)",
            ])
        await run(machine.setAsideDone(id: id))
    }

    private func publish(_ entry: OutboxEntry, isBacklog: Bool) async {
        guard let client else {
            machine.publishFailed(id: entry.id)
            return
        }
        let payload = entry.payloadToSend(isBacklog: isBacklog)
        let packetBytes = MqttPacketSize.publish(
            topicBytes: entry.topic.utf8.count, payloadBytes: payload.count, protocolVersion: machine.attemptProtocol)
        if packetBytes > machine.maxMessageBytes {
            await run(machine.tooLarge(entry, packetBytes: packetBytes))
            return
        }
        do {
            let mid = try client.publish(
                topic: entry.topic, payload: payload, retain: entry.retained && !isBacklog)
            machine.published(id: entry.id, mid: mid)
            LatencyTrace.shared?.handed(id: entry.id)
        } catch  where error.code == Int32(MOSQ_ERR_OVERSIZE_PACKET.rawValue) {
            // libmosquitto's own check against the broker's maximum packet size (ours ran first: not expected).
            await run(machine.tooLarge(entry, packetBytes: packetBytes))
        } catch {
            machine.publishFailed(id: entry.id)
            recordsMayWait = true
            logger.warning(
                "MQTT link could not queue an entry; it stays in the outbox for the next try",
                metadata: ["mqtt.topic": "\(entry.topic)", "outbox.seq": "\(entry.seq.map { "\($0)" } ?? "-")"])
        }
    }

    /// Reads and offers what each lane has room for: events and status first, then flight-record parts.
    private func fillWindow() async {
        let generation = outbox.storeGeneration()
        if generation != storeGeneration {
            storeGeneration = generation
            machine.rewindCursors()
            recordsMayWait = true
        }
        let query = machine.pendingQuery
        if query.limit > 0 {
            await offer(query) { MqttSendLane(id: $0) == .messages }
        }
        let records = machine.recordQuery
        if records.limit > 0, recordsMayWait {
            let (read, handedOut) = await offer(records) { MqttSendLane(id: $0) == .records }
            // Nothing more after the cursor, and nothing read was held back (an implicated part waiting to go alone).
            if read < records.limit, handedOut == read { recordsMayWait = false }
        }
    }

    /// Offers the entries of `query` that `inLane` takes; returns how many were read and how many the machine took
    /// (published or set aside).
    @discardableResult
    private func offer(
        _ query: (limit: Int, cursor: OutboxSendCursor, excluding: Set<String>),
        inLane: @escaping @Sendable (String) -> Bool
    ) async -> (read: Int, handedOut: Int) {
        let entries: [OutboxEntry]
        do {
            entries = try await outbox.perform { outbox in
                try outbox.pending(limit: query.limit, after: query.cursor) {
                    query.excluding.contains($0) || !inLane($0)
                }
            }
        } catch {
            logger.info("MQTT link cannot read the outbox", metadata: ["outbox.error": "\(error)"])
            return (0, 0)
        }
        if let trace = LatencyTrace.shared {
            for entry in entries where entry.seq != nil { trace.read(id: entry.id, confirmNs: entry.monoNs) }
        }
        var handedOut = 0
        for entry in entries {
            let action = machine.send(entry)
            if action != .none { handedOut += 1 }
            await run(action)
        }
        return (entries.count, handedOut)
    }

    /// Calls `timerFired` after `afterNs` on the clock; a later `schedule` replaces it.
    private func schedule(afterNs: Int64) {
        timerGeneration += 1
        timerTask?.cancel()
        let generation = timerGeneration
        let continuation = inputContinuation
        let clock = clock
        let deadline = clock.now.advanced(by: .nanoseconds(max(0, afterNs)))
        timerTask = Task {
            guard (try? await clock.sleep(until: deadline, tolerance: nil)) != nil else { return }
            continuation.yield(.timer(generation: generation))
        }
    }

    private func nowNs() -> Int64 {
        let elapsed = origin.duration(to: clock.now).components
        return elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000
    }
}

extension MqttLinkService where C == ContinuousClock {
    /// A link for `outbox` on the real monotonic clock.
    public init(
        configuration: MqttLinkConfiguration,
        outbox: Outbox,
        logger: Logger,
        birth: @escaping SessionPayload,
        will: @escaping SessionPayload,
        random: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()
    ) {
        self.init(
            configuration: configuration, outbox: outbox, logger: logger, clock: ContinuousClock(), birth: birth,
            will: will, random: random)
    }
}
