import HoistWatchCore

extension SiteConfig {
    /// The state folder when the file names none.
    public static let defaultStateDirectory = "/var/lib/hoistwatch"

    /// Parses and validates a site config's text (`Board/site.example.toml` shows every key). Errors name the key
    /// and the reason; the caller adds the file.
    ///
    /// `path` is the config file's absolute path: relative paths inside the file are taken from its folder. Nothing
    /// here touches the file system; whether the named files exist and are private is `SiteConfigCheck`'s job.
    public static func parse(toml text: String, path: String) throws(InputError) -> SiteConfig {
        let root = try TOMLSection.parse(text)
        let folder = folderOf(path)

        let deviceId = try root.string("device_id")
        guard !deviceId.isEmpty, deviceId.count <= 64,
            deviceId.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else {
            throw InputError(
                .invalidValue, key: "device_id",
                "must be 1 to 64 letters, digits, '-' or '_' (it becomes part of MQTT topics)")
        }
        let boardText = try nonEmptyString(root, "board")
        // A name is looked up under Board/profiles; anything with a slash is a path like every other path here.
        let board: Board =
            boardText == "sim"
            ? .sim : .profile(boardText.contains("/") ? resolve(boardText, in: folder) : boardText)
        let calibrationPath = resolve(try nonEmptyString(root, "calibration"), in: folder)
        let stateDirectory = resolve(
            try nonEmptyString(root, "state_dir", default: defaultStateDirectory), in: folder)
        let logLevel = try root.optionalString("log_level") ?? "info"
        guard logLevels.contains(logLevel) else {
            throw InputError(
                .invalidValue, key: "log_level",
                "must be one of \(logLevels.joined(separator: ", ")), got \"\(logLevel)\"")
        }
        // The upper bounds keep later conversions to nanoseconds and bytes far from overflowing.
        let statusIntervalS = try root.optionalDouble("status_interval_s") ?? 900
        guard statusIntervalS >= 0.1, statusIntervalS <= 86_400 else {
            throw InputError(
                .invalidValue, key: "status_interval_s",
                "must be from 0.1 to 86400 seconds, got \(statusIntervalS)")
        }
        let historyDays = try root.optionalInt("history_days") ?? 30
        guard historyDays >= 1, historyDays <= 3650 else {
            throw InputError(.invalidValue, key: "history_days", "must be from 1 to 3650 days, got \(historyDays)")
        }
        let historyCapMiB = try root.optionalDouble("history_cap_mib") ?? 64
        guard historyCapMiB >= 1, historyCapMiB <= 1_048_576 else {
            throw InputError(
                .invalidValue, key: "history_cap_mib",
                "must be from 1 to 1048576 (1 TiB), got \(historyCapMiB)")
        }

        let broker = try parseBroker(try root.section("broker"), deviceId: deviceId, folder: folder)

        var outboxCapBytes: Int64 = 64 << 20
        if let outbox = try root.optionalSection("outbox") {
            if let capMiB = try outbox.optionalDouble("cap_mib") {
                guard capMiB > 0, capMiB <= 1_048_576 else {
                    throw InputError(
                        .invalidValue, key: "outbox.cap_mib",
                        "must be greater than 0 and at most 1048576 (1 TiB), got \(capMiB)")
                }
                outboxCapBytes = max(1, Int64((capMiB * 1_048_576).rounded()))
            }
            try outbox.rejectUnknownKeys()
        }

        var simulation: Simulation?
        switch board {
        case .sim:
            simulation = try parseSimulation(try root.section("sim"), folder: folder)
        case .profile:
            if root.has("sim") {
                throw InputError(.invalidValue, key: "sim", "the [sim] table is only for board = \"sim\"")
            }
        }
        try root.rejectUnknownKeys()

        return SiteConfig(
            path: path, deviceId: deviceId, board: board, calibrationPath: calibrationPath, broker: broker,
            stateDirectory: stateDirectory, outboxCapBytes: outboxCapBytes, statusIntervalS: statusIntervalS,
            historyDays: historyDays, historyCapBytes: Int64((historyCapMiB * 1_048_576).rounded()), logLevel: logLevel,
            simulation: simulation)
    }

    private static func parseBroker(
        _ section: TOMLSection, deviceId: String, folder: String?
    )
        throws(InputError) -> Broker
    {
        let host = try section.string("host")
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || ($0.asciiValue ?? 0x20) < 0x20 }) else {
            throw InputError(.invalidValue, key: "broker.host", "must be a host name or address without spaces")
        }
        let tlsCA = try optionalPath(section, "tls_ca", in: folder)
        let tlsCert = try optionalPath(section, "tls_cert", in: folder)
        let tlsKey = try optionalPath(section, "tls_key", in: folder)
        if tlsCert != nil, tlsKey == nil {
            throw InputError(
                .missingKey, key: "broker.tls_key", "required when broker.tls_cert is set (they go together)")
        }
        if tlsKey != nil, tlsCert == nil {
            throw InputError(
                .missingKey, key: "broker.tls_cert", "required when broker.tls_key is set (they go together)")
        }
        if tlsCert != nil, tlsCA == nil {
            throw InputError(
                .missingKey, key: "broker.tls_ca",
                "required when broker.tls_cert and tls_key are set: a client certificate needs TLS")
        }

        let port = try section.optionalInt("port") ?? (tlsCA == nil ? 1883 : 8883)
        guard (1...65535).contains(port) else {
            throw InputError(.invalidValue, key: "broker.port", "must be from 1 to 65535, got \(port)")
        }
        let clientId = try section.optionalString("client_id") ?? "hoistwatch-\(deviceId)"
        guard !clientId.isEmpty, !clientId.contains(where: { $0.isWhitespace || ($0.asciiValue ?? 0x20) < 0x20 }) else {
            throw InputError(
                .invalidValue, key: "broker.client_id", "must be non-empty, without spaces or control characters")
        }
        let topicPrefix = try section.optionalString("topic_prefix") ?? "hoistwatch/v1"
        if let reason = topicPrefixProblem(topicPrefix) {
            throw InputError(.invalidValue, key: "broker.topic_prefix", reason)
        }
        let keepAliveS = try section.optionalInt("keepalive_s") ?? 120
        guard (5...3600).contains(keepAliveS) else {
            throw InputError(
                .invalidValue, key: "broker.keepalive_s", "must be from 5 to 3600 seconds, got \(keepAliveS)")
        }

        if section.has("password") {
            throw InputError(
                .invalidValue, key: "broker.password",
                "never write the password into the site config: put it in a file only the agent can read "
                    + "(chmod 600) and name that file with password_file")
        }
        let username = try section.optionalString("username")
        if username?.isEmpty == true {
            throw InputError(.invalidValue, key: "broker.username", "must not be empty (leave the key out for none)")
        }
        let passwordFile = try optionalPath(section, "password_file", in: folder)
        if passwordFile != nil, username == nil {
            throw InputError(.missingKey, key: "broker.username", "required when broker.password_file is set")
        }
        let maxMessageBytes = try section.optionalInt("max_message_bytes") ?? Broker.defaultMaxMessageBytes
        guard (Broker.minimumMaxMessageBytes...268_435_455).contains(maxMessageBytes) else {
            throw InputError(
                .invalidValue, key: "broker.max_message_bytes",
                "must be from \(Broker.minimumMaxMessageBytes) to 268435455 bytes (MQTT's largest packet), got "
                    + "\(maxMessageBytes); set it at or below the broker's max_packet_size and message_size_limit")
        }
        var backups: [Broker.Backup] = []
        for text in try section.optionalStringArray("backups") ?? [] {
            backups.append(try parseBackup(text, defaultPort: port))
        }
        let versionText = try section.optionalString("mqtt_version") ?? MqttProtocolChoice.auto.rawValue
        guard let mqttVersion = MqttProtocolChoice(rawValue: versionText) else {
            throw InputError(
                .invalidValue, key: "broker.mqtt_version",
                "must be \"auto\" (MQTT 5, falling back to 3.1.1), \"5\" or \"3.1.1\", got \"\(versionText)\"")
        }
        try section.rejectUnknownKeys()

        var broker = Broker(
            host: host, port: port, clientId: clientId, topicPrefix: topicPrefix, keepAliveS: keepAliveS)
        broker.tlsCAFile = tlsCA
        broker.tlsCertFile = tlsCert
        broker.tlsKeyFile = tlsKey
        broker.username = username
        broker.passwordFile = passwordFile
        broker.maxMessageBytes = maxMessageBytes
        broker.backups = backups
        broker.mqttVersion = mqttVersion
        return broker
    }

    /// One entry of `broker.backups`: `host`, `host:port`, or `[v6 address]:port`.
    private static func parseBackup(_ text: String, defaultPort: Int) throws(InputError) -> Broker.Backup {
        func bad(_ why: String) -> InputError {
            InputError(.invalidValue, key: "broker.backups", "entry \"\(text)\": \(why)")
        }
        var host = Substring(text)
        var portText: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw bad("an IPv6 address needs its closing ']'") }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw bad("expected ':port' after the ']'") }
                portText = rest.dropFirst()
            }
        } else if let colon = host.lastIndex(of: ":") {
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || ($0.asciiValue ?? 0x20) < 0x20 }) else {
            throw bad("must be a host name or address without spaces, optionally with ':port'")
        }
        var port = defaultPort
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw bad("the port must be from 1 to 65535")
            }
            port = value
        }
        return Broker.Backup(host: String(host), port: port)
    }

    private static func parseSimulation(_ section: TOMLSection, folder: String?) throws(InputError) -> Simulation {
        let scenario = resolve(try nonEmptyString(section, "scenario"), in: folder)
        let loop = try section.optionalBool("loop") ?? true
        let timeScale = try section.optionalDouble("time_scale") ?? 1
        guard timeScale > 0, timeScale <= 1000 else {
            throw InputError(
                .invalidValue, key: "sim.time_scale",
                "must be greater than 0 and at most 1000, got \(timeScale)")
        }
        var seed: UInt64?
        if let value = try section.optionalInt("seed") {
            guard value >= 0 else {
                throw InputError(.invalidValue, key: "sim.seed", "must be 0 or more, got \(value)")
            }
            seed = UInt64(value)
        }
        let plantCalibration = try optionalPath(section, "plant_calibration", in: folder)
        try section.rejectUnknownKeys()
        return Simulation(
            scenario: scenario, loop: loop, timeScale: timeScale, seed: seed,
            plantCalibration: plantCalibration)
    }

    /// Why `prefix` cannot start MQTT topic names (mqtt.md: `{prefix}/{device_id}/...`), or nil when it can.
    static func topicPrefixProblem(_ prefix: String) -> String? {
        if prefix.isEmpty { return "must not be empty" }
        if prefix.contains("+") || prefix.contains("#") {
            return "must not contain the MQTT wildcards '+' or '#'"
        }
        if prefix.hasPrefix("$") { return "must not start with '$' (brokers reserve those topics, like $SYS)" }
        if prefix.hasPrefix("/") || prefix.hasSuffix("/") { return "must not start or end with '/'" }
        if prefix.contains("//") { return "must not contain an empty level ('//')" }
        if prefix.unicodeScalars.contains(where: { $0.value == 0 }) { return "must not contain a NUL character" }
        return nil
    }

    private static func nonEmptyString(
        _ section: TOMLSection, _ key: String, default fallback: String? = nil
    )
        throws(InputError) -> String
    {
        let text: String
        if let fallback {
            text = try section.optionalString(key) ?? fallback
        } else {
            text = try section.string(key)
        }
        guard !text.isEmpty else { throw InputError(.invalidValue, key: section.keyPath(key), "must not be empty") }
        return text
    }

    private static func optionalPath(
        _ section: TOMLSection, _ key: String, in folder: String?
    )
        throws(InputError) -> String?
    {
        guard let text = try section.optionalString(key) else { return nil }
        guard !text.isEmpty else {
            throw InputError(.invalidValue, key: section.keyPath(key), "must not be empty (leave the key out for none)")
        }
        return resolve(text, in: folder)
    }

    /// The folder part of `path` with its trailing slash (`/etc/hoistwatch/`), or nil when it has none.
    private static func folderOf(_ path: String) -> String? {
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return String(path[...slash])
    }

    /// `path` taken from `folder` unless absolute. Only `.` components and doubled slashes are dropped: `..` is
    /// kept, because folding it away by text is wrong when the folder is reached through a symbolic link.
    static func resolve(_ path: String, in folder: String?) -> String {
        let joined = path.hasPrefix("/") ? path : (folder ?? "") + path
        let absolute = joined.hasPrefix("/")
        let parts = joined.split(separator: "/").filter { $0 != "." }
        let cleaned = parts.joined(separator: "/")
        if cleaned.isEmpty { return absolute ? "/" : "." }
        return absolute ? "/" + cleaned : cleaned
    }
}
