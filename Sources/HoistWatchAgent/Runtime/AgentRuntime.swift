import HoistWatchConfig
import HoistWatchCore
import HoistWatchSystem
import Logging
import ServiceLifecycle

/// `hoistwatch run` put together: board -> detection -> outbox -> MQTT link, plus the status timer, as services
/// of one `ServiceGroup` that stops gracefully on SIGTERM/SIGINT.
///
/// Shutdown order is the reverse of start: status, then detection (its last events are fsynced into the
/// outbox), then the link (it publishes the offline status and disconnects). Nothing needs flushing beyond
/// that: every event is on disk before it counts as emitted, and whatever the broker has not acknowledged is
/// sent after the next start.
public struct AgentRuntime: Sendable {
    /// Everything the agent needs, already loaded and checked by the caller.
    public struct Inputs: Sendable {
        /// The parsed site config: device id, broker, state folder, intervals and caps.
        public var site: SiteConfig
        /// The parsed calibration the detectors judge by.
        public var calibration: Calibration
        /// The calibration file's bytes as read, whose SHA-256 the birth status names (so it is of the file, not of a
        /// re-encoding).
        public var calibrationBytes: [UInt8]
        /// The broker password, read from the file `broker.password_file` names; nil when the site config names
        /// none. Never logged.
        public var password: String?
        /// The software version the status payload and `diag` report.
        public var version: String

        /// Inputs the caller has loaded and checked; nothing here reads a file.
        public init(
            site: SiteConfig, calibration: Calibration, calibrationBytes: [UInt8], password: String?,
            version: String
        ) {
            self.site = site
            self.calibration = calibration
            self.calibrationBytes = calibrationBytes
            self.password = password
            self.version = version
        }
    }

    /// What this run was given.
    public let inputs: Inputs
    /// Where every service logs; the executable bootstraps the handler.
    public let logger: Logger
    /// Per-minute history rows written in one transaction this many at a time (one fsync per quarter hour instead of
    /// one a minute); a power cut loses at most the rows of the batch not yet written, never an event.
    public static let historyBatchRows = 15
    /// Opens where the inputs come from: the simulated plant or a real board (the executable chooses). Called first
    /// in `run`, so a machine that lacks the profile's GPIO chip fails before any state is touched; the board lives
    /// as long as the run (its lines are released when the detection loop lets go of it).
    let openBoard: @Sendable () throws -> any BoardInputSource
    /// Whether SIGTERM and SIGINT stop the agent gracefully (tests stop it through an enclosing service group).
    let stopsOnSignals: Bool

    /// The agent on the board `openBoard` opens; `stopsOnSignals` false leaves SIGTERM and SIGINT to an enclosing
    /// service group.
    public init(
        inputs: Inputs, logger: Logger, stopsOnSignals: Bool = true,
        openBoard: @escaping @Sendable () throws -> any BoardInputSource
    ) {
        self.inputs = inputs
        self.openBoard = openBoard
        self.logger = logger
        self.stopsOnSignals = stopsOnSignals
    }

    /// Opens the outbox and runs every service until a shutdown signal; throws on a startup error.
    public func run() async throws {
        AllocatorTuning.apply()
        let site = inputs.site
        let bootId = SystemClock.bootId()
        let startMono = SystemClock.monotonicNs()
        // The board first: a machine without the profile's GPIO chip fails here, before any state is touched.
        let board = try openBoard()
        try StateDirectory.create(site.stateDirectory)
        // A damaged database is moved aside and a fresh one opened (never a restart loop over the same file).
        let outbox = try Outbox.openRecovering(
            path: "\(site.stateDirectory)/outbox.db", capBytes: site.outboxCapBytes, nowWallNs: SystemClock.realtimeNs()
        )
        let pending = try? outbox.depth()
        let lastSeq = try outbox.lastSeq()
        logger.info(
            "outbox open",
            metadata: [
                "path": "\(outbox.path)", "pending": "\(pending.map { "\($0.count)" } ?? "unreadable")",
                "last_seq": "\(lastSeq)",
            ])
        let space = StorageSpaceCheck.measure(
            outboxPath: outbox.path,
            neededBytes: site.outboxCapBytes + site.historyCapBytes + StorageReserve.defaultBytes)
        if let space, space.isShort {
            logger.warning(
                "the state folder's file system cannot hold what the outbox and history caps allow",
                metadata: [
                    "path": "\(site.stateDirectory)", "available_bytes": "\(space.availableBytes)",
                    "needed_bytes": "\(space.neededBytes)",
                ])
        }
        let snapshot = SharedSnapshot()
        // The status and `diag` show the last seq stored from the start, not 0 until this run stores an event.
        snapshot.update {
            $0.lastSeq = lastSeq
            $0.space = space
            $0.storage = outbox.storageHealth()
        }
        let notifier = SystemdNotifier()
        let routing = EventRouting(
            topicPrefix: site.broker.topicPrefix, deviceId: site.deviceId, maxMessageBytes: site.broker.maxMessageBytes)
        let payload = StatusPayload(
            identity: .init(
                deviceId: site.deviceId, version: inputs.version, calibration: inputs.calibration,
                calibrationSHA256: FileDigest.sha256Hex(inputs.calibrationBytes), board: board.name, bootId: bootId))

        let detection = DetectionService(
            configuration: .init(
                calibration: inputs.calibration, deviceId: site.deviceId, bootId: bootId,
                routing: routing),
            board: board, outbox: outbox, snapshot: snapshot, notifier: notifier, logger: logger)
        let status = StatusService(
            intervalS: site.statusIntervalS, statusTopic: site.statusTopic, payload: payload, outbox: outbox,
            snapshot: snapshot, bootId: bootId, startMonoNs: startMono,
            history: .init(days: site.historyDays, capBytes: site.historyCapBytes), clock: ContinuousClock(),
            sendsOnChange: true, historyBatch: Self.historyBatchRows, logger: logger)
        let broker = MosquittoOptions(broker: site.broker, password: inputs.password)
        var linkSettings = MqttLink.Configuration()
        linkSettings.maxMessageBytes = site.broker.maxMessageBytes
        linkSettings.mqttVersion = site.broker.mqttVersion
        let link = MqttLinkService(
            configuration: MqttLinkConfiguration(
                broker: broker, statusTopic: site.statusTopic, link: linkSettings,
                backups: site.broker.backups.map { .init(host: $0.host, port: $0.port) },
                birthTopic: site.birthTopic),
            outbox: outbox, logger: logger,
            birth: { session in status.current(.birth, session: session) },
            will: { session in payload.will(session: session) })
        // A status to a connected broker needs no fsync: it goes from memory, and only into the outbox while offline.
        status.usePublisher { body in await link.publishStatusNow(body) }

        let diagnostics = DiagnosticsServer(
            path: "\(site.stateDirectory)/diag.sock", clock: ContinuousClock(),
            linkDiagnostics: { await link.diagnostics() }, snapshot: snapshot, logger: logger,
            report: {
                let mono = SystemClock.monotonicNs()
                return DiagnosticsSnapshot(
                    identity: payload.identity, snapshot: snapshot.value, depth: try? outbox.depth(),
                    dropped: try? outbox.droppedCounts(), monoNs: mono, wallNs: SystemClock.realtimeNs(),
                    timeSynced: SystemClock.isSynchronised(), uptimeS: Double(mono - startMono) / 1e9
                ).encoded()
            })

        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: link),
                    .init(service: diagnostics),
                    .init(service: detection),
                    .init(service: status),
                    .init(service: ReadinessService(notifier: notifier, logger: logger)),
                    .init(service: ResidentSetTrimService(logger: logger)),
                ],
                gracefulShutdownSignals: stopsOnSignals ? [.sigterm, .sigint] : [],
                logger: logger))
        try await group.run()
        notifier.notify("STOPPING=1")
    }
}

/// Tells systemd the agent is up (READY=1) once every other service has started, and STOPPING=1 on shutdown.
struct ReadinessService: Service {
    let notifier: SystemdNotifier
    let logger: Logger

    func run() async throws {
        notifier.notify("READY=1")
        logger.info("agent running")
        try? await gracefulShutdown()
        notifier.notify("STOPPING=1")
        logger.info("shutting down")
    }
}
