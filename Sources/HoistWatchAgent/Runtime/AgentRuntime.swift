@_spi(GpiodSeam) import HoistWatchBoard
import HoistWatchCore
import HoistWatchIO
import HoistWatchSimulator
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
    /// Where the inputs come from.
    public enum BoardSetup: Sendable {
        /// The plant simulator playing `scenario`; `plantCalibration` is the simulated plant's own truth when it
        /// should differ from the agent's calibration (`[sim] plant_calibration`).
        case simulated(scenario: Scenario, plantCalibration: Calibration?)
        /// A real board: the profile (loaded from `path`) maps the calibration's wired inputs to GPIO lines.
        case profile(path: String, BoardProfile)
    }

    /// Everything the agent needs, already loaded and checked by the caller.
    public struct Inputs: Sendable {
        public var site: SiteConfig
        public var calibration: Calibration
        public var calibrationBytes: [UInt8]
        public var board: BoardSetup
        public var password: String?
        public var version: String

        public init(site: SiteConfig, calibration: Calibration, calibrationBytes: [UInt8], board: BoardSetup,
                    password: String?, version: String) {
            self.site = site
            self.calibration = calibration
            self.calibrationBytes = calibrationBytes
            self.board = board
            self.password = password
            self.version = version
        }
    }

    /// What the runtime takes from the machine; tests substitute the GPIO layer at its C boundary.
    struct Environment: Sendable {
        /// The libgpiod functions GPIO boards are read through (`GpiodFunctions.system` on a board).
        var gpiod: GpiodFunctions
        /// How sysfs attributes are read (the HX711's IIO device; `SysfsAttribute.read` on a board).
        var readSysfs: @Sendable (String) -> SysfsRead = SysfsAttribute.read
        /// Whether SIGTERM and SIGINT stop the agent gracefully (tests stop it through an enclosing service group).
        var stopsOnSignals: Bool

        static let system = Environment(gpiod: .system, stopsOnSignals: true)
    }

    public let inputs: Inputs
    public let logger: Logger
    let environment: Environment

    public init(inputs: Inputs, logger: Logger) {
        self.init(inputs: inputs, logger: logger, environment: .system)
    }

    init(inputs: Inputs, logger: Logger, environment: Environment) {
        self.inputs = inputs
        self.logger = logger
        self.environment = environment
    }

    /// Opens the outbox and runs every service until a shutdown signal; throws on a startup error.
    public func run() async throws {
        AllocatorTuning.apply()
        let site = inputs.site
        let bootId = SystemClock.bootId()
        let startMono = SystemClock.monotonicNs()
        // The board first: a machine without the profile's GPIO chip fails here, before any state is touched.
        let board = try makeBoard()
        try StateDirectory.create(site.stateDirectory)
        let outbox = try Outbox(path: "\(site.stateDirectory)/outbox.db", capBytes: site.outboxCapBytes)
        let pending = try outbox.depth()
        let lastSeq = try outbox.lastSeq()
        logger.info("outbox open", metadata: [
            "path": "\(outbox.path)", "pending": "\(pending.count)", "last_seq": "\(lastSeq)",
        ])
        let snapshot = SharedSnapshot()
        let notifier = SystemdNotifier()
        let routing = EventRouting(topicPrefix: site.broker.topicPrefix, deviceId: site.deviceId)
        let payload = StatusPayload(identity: .init(
            deviceId: site.deviceId, version: inputs.version, calibration: inputs.calibration,
            calibrationSHA256: FileDigest.sha256Hex(inputs.calibrationBytes), board: board.name, bootId: bootId))

        let detection = DetectionService(
            configuration: .init(calibration: inputs.calibration, deviceId: site.deviceId, bootId: bootId,
                                 routing: routing),
            board: board, outbox: outbox, snapshot: snapshot, notifier: notifier, logger: logger)
        let status = StatusService(
            intervalS: site.statusIntervalS, statusTopic: site.statusTopic, payload: payload, outbox: outbox,
            snapshot: snapshot, bootId: bootId, startMonoNs: startMono,
            history: .init(days: site.historyDays, capBytes: site.historyCapBytes), logger: logger)
        let broker = MosquittoOptions(
            host: site.broker.host, port: site.broker.port, clientID: site.broker.clientId,
            keepAliveS: site.broker.keepAliveS, username: site.broker.username, password: inputs.password,
            tls: site.broker.tlsCAFile.map {
                MosquittoOptions.TLS(caFile: $0, certFile: site.broker.tlsCertFile, keyFile: site.broker.tlsKeyFile)
            })
        let link = MqttLinkService(
            configuration: MqttLinkConfiguration(broker: broker, statusTopic: site.statusTopic),
            outbox: outbox, logger: logger,
            birth: { session in status.current(.birth, session: session) },
            will: { session in payload.will(session: session) },
            finalize: { entry, isBacklog in PayloadFinalizer.finalize(entry, isBacklog: isBacklog) })

        let diagnostics = DiagnosticsServer(
            path: "\(site.stateDirectory)/diag.sock", link: link, snapshot: snapshot, logger: logger
        ) {
            let mono = SystemClock.monotonicNs()
            return DiagnosticsReport.render(
                identity: payload.identity, snapshot: snapshot.value, depth: try? outbox.depth(),
                dropped: try? outbox.droppedCounts(), monoNs: mono, wallNs: SystemClock.realtimeNs(),
                timeSynced: SystemClock.isSynchronised(), uptimeS: Double(mono - startMono) / 1e9)
        }

        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: link),
                .init(service: diagnostics),
                .init(service: detection),
                .init(service: status),
                .init(service: ReadinessService(notifier: notifier, logger: logger)),
                .init(service: ResidentSetTrimService(logger: logger)),
            ],
            gracefulShutdownSignals: environment.stopsOnSignals ? [.sigterm, .sigint] : [],
            logger: logger))
        try await group.run()
        notifier.notify("STOPPING=1")
    }
}

extension AgentRuntime {
    /// The board of the site config: the simulator, or the profile's GPIO lines opened now (a missing chip, a
    /// line held by another program: `GpioError`, before anything else starts).
    func makeBoard() throws -> any BoardInputSource {
        let site = inputs.site
        switch inputs.board {
        case .simulated(let scenario, let plantCalibration):
            let simulation = site.simulation ?? SiteConfig.Simulation(scenario: "")
            return try SimulatedBoard(
                calibration: plantCalibration ?? inputs.calibration, scenario: scenario, loop: simulation.loop,
                seed: simulation.seed, timeScale: simulation.timeScale)
        case .profile(let path, let profile):
            return try GpioBoard.open(
                name: GpioBoard.name(for: site.board, profilePath: path), profilePath: path, profile: profile, calibration: inputs.calibration,
                deviceId: site.deviceId, gpiod: environment.gpiod, readSysfs: environment.readSysfs, logger: logger)
        }
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
