import Logging
import ServiceLifecycle

/// Runs the MQTT link: connects, publishes the retained birth status, sends the outbox (alarms first, a
/// window of `inFlightWindow` at a time), removes each entry on its PUBACK, reconnects with backoff and
/// reports refused credentials. The decisions are `MqttLink`'s; this actor carries out its actions.
///
/// Each connection gets a new `session` number from the outbox (persisted, rising by one per connect
/// attempt); the same number goes into the will and the birth, like Sparkplug's bdSeq, so a subscriber can
/// match a death to its birth. Backlog status entries are published without the retain flag, so an old status
/// never replaces the birth as the retained status.
///
/// On graceful shutdown it publishes the will payload itself (a clean DISCONNECT does not fire the will) and
/// disconnects.
public actor MqttLinkService: Service {
    /// Builds a payload from the session number (birth and will).
    public typealias SessionPayload = @Sendable (_ session: Int64) -> [UInt8]

    private enum Input: Sendable {
        case client(generation: Int, MosquittoEvent)
        case timer
        case outboxChanged
        /// Refill the window once the PUBACKs queued before it are handled (one outbox read for a burst of them).
        case fillWindow
        case flushAcknowledged
        case shutdown
    }

    private let configuration: MqttLinkConfiguration
    private let outbox: Outbox
    private let logger: Logger
    private let birth: SessionPayload
    private let will: SessionPayload
    private let inputs: AsyncStream<Input>
    private let inputContinuation: AsyncStream<Input>.Continuation
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant

    private var machine: MqttLink
    private var client: MosquittoClient?
    /// The current client got CONNACK 0 (so closing it is quick and an offline status can go out first).
    private var clientConnected = false
    private var generation = 0
    private var session: Int64 = 0
    private var acknowledged = 0
    /// PUBACKed entries not yet removed from the outbox: removed together in one transaction (one fsync) at most
    /// `removalDelay` after the first of them, or as soon as `removalBatch` have gathered, so a stream of PUBACKs
    /// costs one commit per batch, not one each. The window refills at once (they are excluded from sending
    /// meanwhile, so nothing is sent twice). A power cut before the removal commit only means those entries are
    /// sent again after the restart: delivery is at least once, subscribers deduplicate on `id`.
    private var acknowledgedIDs: Set<String> = []
    private var flushQueued = false
    private var fillQueued = false
    /// What this connection has handed to the client so far, per class: refills read only the rows after it.
    private var sendCursor = OutboxSendCursor.start
    private static let removalDelay = Duration.milliseconds(5)
    private static let removalBatch = 64
    private var timerTask: Task<Void, Never>?
    private var forwardTask: Task<Void, Never>?

    /// A link for `outbox`. `birth` and `will` build the status payloads for a session number; `random` supplies
    /// backoff jitter.
    public init(
        configuration: MqttLinkConfiguration,
        outbox: Outbox,
        logger: Logger,
        birth: @escaping SessionPayload,
        will: @escaping SessionPayload,
        random: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()
    ) {
        self.configuration = configuration
        self.outbox = outbox
        var logger = logger
        logger[metadataKey: "mqtt.broker"] = "\(configuration.broker.host):\(configuration.broker.port)"
        self.logger = logger
        self.birth = birth
        self.will = will
        self.machine = MqttLink(configuration: configuration.link, random: random)
        (inputs, inputContinuation) = AsyncStream.makeStream(of: Input.self, bufferingPolicy: .unbounded)
        origin = clock.now
    }

    /// Runs until graceful shutdown or cancellation. Call once.
    public func run() async throws {
        let continuation = inputContinuation
        outbox.setAppendObserver { continuation.yield(.outboxChanged) }
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

    /// Where the link is and what last went wrong.
    public func diagnostics() -> MqttLinkDiagnostics {
        MqttLinkDiagnostics(
            phase: machine.phase, lastError: machine.lastError, consecutiveFailures: machine.consecutiveFailures,
            connectAttempts: machine.connectAttempts, authFailures: machine.authFailures,
            lastRetryDelayNs: machine.lastRetryDelayNs, session: session, inFlight: machine.inFlightIDs.count,
            acknowledged: acknowledged, nowNs: nowNs())
    }

    private func loop() async {
        logger.info("MQTT link starting")
        run(machine.start(nowNs: nowNs()))
        for await input in inputs {
            switch input {
            case .client(let eventGeneration, let event):
                if eventGeneration == generation { handle(event) }
            case .timer:
                run(machine.timerFired(nowNs: nowNs()))
            case .outboxChanged:
                fillWindow()
            case .fillWindow:
                fillQueued = false
                fillWindow()
            case .flushAcknowledged:
                flushQueued = false
                flushAcknowledged()
            case .shutdown:
                run(machine.stop(nowNs: nowNs()))
            }
            if case .stopped = machine.phase { break }
        }
        flushAcknowledged()
        timerTask?.cancel()
        forwardTask?.cancel()
        if let client {
            self.client = nil
            client.closeInBackground()
        }
        logger.info("MQTT link stopped")
    }

    private func handle(_ event: MosquittoEvent) {
        switch event {
        case .connected:
            let backlog: Int64
            do {
                backlog = try outbox.highestPosition()
            } catch {
                logger.info("MQTT link cannot read the outbox", metadata: ["outbox.error": "\(error)"])
                backlog = .max
            }
            logger.info("MQTT link connected", metadata: ["mqtt.session": "\(session)"])
            run(machine.connected(nowNs: nowNs(), backlogThroughPosition: backlog))
        case .connectRefused(let code, let reason):
            run(machine.connectRefused(connackCode: code, reason: reason, nowNs: nowNs()))
        case .disconnected(let error):
            run(machine.connectionLost(nowNs: nowNs(), reason: error?.description ?? "closed by the client"))
        case .published(let mid):
            run(machine.pubackReceived(mid: mid, nowNs: nowNs()))
        case .log(let level, let message):
            logger.debug("libmosquitto", metadata: ["mqtt.log_level": "\(level)", "mqtt.log": "\(message)"])
        case .subscribed, .message:
            break
        }
    }

    private func run(_ action: MqttLink.Action) {
        switch action {
        case .none:
            break
        case .connect(let deadlineNs):
            schedule(afterNs: deadlineNs - nowNs())
            startClient()
        case .reconnect(let afterNs):
            dropClient()
            schedule(afterNs: afterNs)
            logger.info(
                "MQTT link will retry",
                metadata: ["mqtt.retry_ms": "\(afterNs / 1_000_000)", "mqtt.error": "\(machine.lastError ?? "")"])
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
            sendCursor = .start
            publishBirth()
            fillWindow()
        case .publish(let entry, let isBacklog):
            publish(entry, isBacklog: isBacklog)
        case .removeFromOutbox(let id):
            acknowledgedIDs.insert(id)
            acknowledged += 1
            if acknowledgedIDs.count >= Self.removalBatch {
                flushAcknowledged()
            } else if !flushQueued {
                flushQueued = true
                let continuation = inputContinuation
                Task {
                    try? await Task.sleep(for: Self.removalDelay)
                    continuation.yield(.flushAcknowledged)
                }
            }
            if !fillQueued {
                fillQueued = true
                inputContinuation.yield(.fillWindow)
            }
        case .disconnect:
            timerTask?.cancel()
            if let client, clientConnected {
                // A clean DISCONNECT suppresses the will, so say "offline" ourselves before leaving, and wait
                // for the close (quick on a live connection) so it is written before the process exits.
                _ = try? client.publish(topic: configuration.statusTopic, payload: will(session), retain: true)
                self.client = nil
                clientConnected = false
                generation += 1
                client.close()
            } else {
                dropClient()
            }
        }
    }

    private func startClient() {
        dropClient()
        do {
            session = try outbox.nextSession()
        } catch {
            logger.info("MQTT link cannot raise the session counter", metadata: ["outbox.error": "\(error)"])
        }
        var options = configuration.broker
        options.will = .init(topic: configuration.statusTopic, payload: will(session), retained: true)
        // Room for the birth and the shutdown status beside the window, so libmosquitto never queues entries.
        options.maxInflightMessages = configuration.link.inFlightWindow + 2
        do {
            let client = try MosquittoClient(options: options)
            generation += 1
            let events = client.events
            let eventGeneration = generation
            let continuation = inputContinuation
            forwardTask = Task {
                for await event in events { continuation.yield(.client(generation: eventGeneration, event)) }
            }
            self.client = client
            logger.debug("MQTT link connecting", metadata: ["mqtt.session": "\(session)"])
            client.connectInBackground()
        } catch {
            run(machine.connectFailed(nowNs: nowNs(), reason: "\(error)"))
        }
    }

    private func dropClient() {
        clientConnected = false
        forwardTask?.cancel()
        forwardTask = nil
        generation += 1
        if let client {
            self.client = nil
            client.closeInBackground()
        }
    }

    private func publishBirth() {
        guard let client else { return }
        do {
            let mid = try client.publish(topic: configuration.statusTopic, payload: birth(session), retain: true)
            machine.birthPublished(mid: mid)
        } catch {
            logger.info("MQTT link cannot publish the birth status", metadata: ["mqtt.error": "\(error)"])
        }
    }

    private func publish(_ entry: OutboxEntry, isBacklog: Bool) {
        guard let client else {
            machine.publishFailed(id: entry.id)
            sendCursor = .start  // it waits again: the next refill must find it
            return
        }
        let payload = entry.payloadToSend(isBacklog: isBacklog)
        do {
            let mid = try client.publish(
                topic: entry.topic, payload: payload, retain: entry.retained && !isBacklog)
            machine.published(id: entry.id, mid: mid)
        } catch {
            machine.publishFailed(id: entry.id)
            sendCursor = .start
            logger.warning(
                "MQTT link could not queue an entry; it stays in the outbox for the next try",
                metadata: ["mqtt.topic": "\(entry.topic)", "outbox.seq": "\(entry.seq.map { "\($0)" } ?? "-")"])
        }
    }

    private func flushAcknowledged() {
        guard !acknowledgedIDs.isEmpty else { return }
        do {
            try outbox.remove(ids: Array(acknowledgedIDs))
            acknowledgedIDs.removeAll(keepingCapacity: true)
        } catch {
            // Kept for the next flush; they stay excluded from sending until removed.
            logger.info("MQTT link cannot remove acknowledged entries", metadata: ["outbox.error": "\(error)"])
        }
    }

    private func fillWindow() {
        let slots = machine.freeSlots
        guard slots > 0 else { return }
        let entries: [OutboxEntry]
        let inFlight = machine.inFlightIDs
        let awaitingRemoval = acknowledgedIDs
        do {
            entries = try outbox.pending(limit: slots, after: sendCursor) {
                inFlight.contains($0) || awaitingRemoval.contains($0)
            }
        } catch {
            logger.info("MQTT link cannot read the outbox", metadata: ["outbox.error": "\(error)"])
            return
        }
        for entry in entries {
            let action = machine.send(entry)
            if case .publish = action { sendCursor.advance(past: entry) }
            run(action)
        }
    }

    private func schedule(afterNs: Int64) {
        timerTask?.cancel()
        let continuation = inputContinuation
        timerTask = Task {
            try? await Task.sleep(for: .nanoseconds(max(0, afterNs)))
            if !Task.isCancelled { continuation.yield(.timer) }
        }
    }

    private func nowNs() -> Int64 {
        let elapsed = origin.duration(to: clock.now).components
        return elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000
    }
}
