import HoistWatchCore

/// One board's site settings (`hoistwatch run --config SITE.toml`): who it is, where its inputs come from,
/// where it publishes and where it keeps its state. Paths are absolute once parsed (relative ones are taken
/// from the config file's folder).
public struct SiteConfig: Sendable, Hashable {
    /// Where the inputs come from.
    public enum Board: Sendable, Hashable {
        /// The plant simulator running `simulation.scenario` in real time (no hardware).
        case sim
        /// A board profile (GPIO line mapping), by name under `Board/profiles` or by path.
        case profile(String)
    }

    /// The MQTT broker of the supervision platform.
    public struct Broker: Sendable, Hashable {
        /// Host name or address (`[broker] host`).
        public var host: String
        /// 1883 plain, 8883 with TLS (the default follows `tlsCAFile`).
        public var port: Int
        /// MQTT client id; defaults to `hoistwatch-{device_id}`.
        public var clientId: String
        /// Topic prefix, default `hoistwatch/v1` (mqtt.md).
        public var topicPrefix: String
        /// MQTT keep-alive, 5 to 3600 s (default 30): how soon the broker notices a dead board and sends its will.
        public var keepAliveS: Int
        /// PEM CA file; TLS is on when set.
        public var tlsCAFile: String?
        /// PEM client certificate and key, for brokers that require one.
        public var tlsCertFile: String?
        /// Secret: must not be readable by other users.
        public var tlsKeyFile: String?
        /// User name for brokers that want one; the password comes from `passwordFile`.
        public var username: String?
        /// Secret: a file holding the password (first line, trailing newline ignored); never the password itself.
        public var passwordFile: String?
        /// The largest MQTT PUBLISH packet the board sends, bytes (`max_message_bytes`, default 131,072: the smallest
        /// common platform limit); flight records are split to fit it.
        public var maxMessageBytes: Int = SiteConfig.Broker.defaultMaxMessageBytes
        /// Backup brokers (`backups`), tried in order when the primary fails; same TLS files and credentials.
        public var backups: [Backup] = []
        /// The MQTT version (`mqtt_version`: "auto", the default, "5" or "3.1.1").
        public var mqttVersion: MqttProtocolChoice = .auto

        /// The default of `maxMessageBytes`: 128 KiB.
        public static let defaultMaxMessageBytes = 131_072
        /// The smallest `maxMessageBytes` accepted: room for any event or status message.
        public static let minimumMaxMessageBytes = 8_192

        /// A backup broker's address.
        public struct Backup: Sendable, Hashable {
            /// Host name or address.
            public var host: String
            /// Port (the primary's when the entry names none).
            public var port: Int

            /// The backup at `host`:`port`.
            public init(host: String, port: Int) {
                self.host = host
                self.port = port
            }
        }

        /// A broker without TLS or credentials; set the optional files and `username` afterwards.
        public init(
            host: String, port: Int, clientId: String, topicPrefix: String = "hoistwatch/v1",
            keepAliveS: Int = 120
        ) {
            self.host = host
            self.port = port
            self.clientId = clientId
            self.topicPrefix = topicPrefix
            self.keepAliveS = keepAliveS
        }
    }

    /// The simulated board (`board = "sim"`).
    public struct Simulation: Sendable, Hashable {
        /// Scenario file (TOML, docs/scenarios.md).
        public var scenario: String
        /// Start the scenario again when it ends (a "day in the life" that never stops).
        public var loop: Bool
        /// Plant seconds per wall-clock second (1 = real time; tests and benches speed it up).
        public var timeScale: Double
        /// Seed of the first run; each loop uses the next one. Nil: the scenario's own seed.
        public var seed: UInt64?
        /// The calibration that describes the simulated plant itself (its true landings, load cell, encoder),
        /// when it differs from the one the agent is given: the calibration wizards are tried against a plant
        /// the agent's calibration gets wrong. Nil: the plant is exactly the agent's calibration.
        public var plantCalibration: String?

        /// A simulated board playing `scenario`.
        public init(
            scenario: String, loop: Bool = true, timeScale: Double = 1, seed: UInt64? = nil,
            plantCalibration: String? = nil
        ) {
            self.plantCalibration = plantCalibration
            self.scenario = scenario
            self.loop = loop
            self.timeScale = timeScale
            self.seed = seed
        }
    }

    /// Log levels, as swift-log names them.
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// The file this was read from (absolute).
    public var path: String
    /// Registration code of the unit; part of every topic. Must equal the calibration's `equipment.device_id`.
    public var deviceId: String
    /// Simulator or board profile (`board`).
    public var board: Board
    /// Calibration file (calibration.md).
    public var calibrationPath: String
    /// Where events and status go (`[broker]`).
    public var broker: Broker
    /// Folder of the outbox and other state; created if missing.
    public var stateDirectory: String
    /// Outbox size cap in bytes (`[outbox] cap_mib`, default 64 MiB).
    public var outboxCapBytes: Int64
    /// Seconds between status messages (default 60).
    public var statusIntervalS: Double
    /// Days of local history (default 30).
    public var historyDays: Int
    /// Size cap of the local history in bytes (`history_cap_mib`, default 64 MiB); the oldest go first.
    public var historyCapBytes: Int64
    /// One of `logLevels`.
    public var logLevel: String
    /// Present exactly when `board == .sim`.
    public var simulation: Simulation?

    /// A config from its parts (tests build them directly; files go through `parse(toml:path:)`).
    public init(
        path: String, deviceId: String, board: Board, calibrationPath: String, broker: Broker,
        stateDirectory: String, outboxCapBytes: Int64 = 64 << 20, statusIntervalS: Double = 900,
        historyDays: Int = 30, historyCapBytes: Int64 = 64 << 20, logLevel: String = "info",
        simulation: Simulation? = nil
    ) {
        self.historyCapBytes = historyCapBytes
        self.path = path
        self.deviceId = deviceId
        self.board = board
        self.calibrationPath = calibrationPath
        self.broker = broker
        self.stateDirectory = stateDirectory
        self.outboxCapBytes = outboxCapBytes
        self.statusIntervalS = statusIntervalS
        self.historyDays = historyDays
        self.logLevel = logLevel
        self.simulation = simulation
    }

    /// `{prefix}/{device_id}/event`
    public var eventTopic: String { "\(broker.topicPrefix)/\(deviceId)/event" }
    /// `{prefix}/{device_id}/status`
    public var statusTopic: String { "\(broker.topicPrefix)/\(deviceId)/status" }
    /// `{prefix}/{device_id}/birth`: the last birth, retained, for subscribers that arrive after it.
    public var birthTopic: String { "\(broker.topicPrefix)/\(deviceId)/birth" }
    /// `{prefix}/{device_id}/record/{event_id}`
    public func recordTopic(eventId: String) -> String { "\(broker.topicPrefix)/\(deviceId)/record/\(eventId)" }
}
