import Foundation
import HoistWatchTestSupport
import Testing

@testable import HoistWatchConfig
@testable import HoistWatchCore

@Suite struct SiteConfigTests {
    static let path = "/etc/hoistwatch/site.toml"

    static let full = """
        device_id = "37010000000000000001"
        board = "sim"
        calibration = "../Calibration/demo-elevator.toml"
        state_dir = "/var/lib/hoistwatch"
        log_level = "info"
        status_interval_s = 60
        history_days = 30
        [broker]
        host = "127.0.0.1"
        port = 8883
        client_id = "board-1"
        topic_prefix = "hoistwatch/v1"
        keepalive_s = 30
        tls_ca = "ca.pem"
        tls_cert = "./tls/client.pem"
        tls_key = "tls//client.key"
        username = "board"
        password_file = "password"
        [outbox]
        cap_mib = 64
        [sim]
        scenario = "../Scenarios/demo.toml"
        loop = true
        time_scale = 1.0
        seed = 7
        """

    static let minimal = """
        device_id = "37010000000000000001"
        board = "sim"
        calibration = "cal.toml"
        [broker]
        host = "broker.local"
        [sim]
        scenario = "/srv/scenarios/demo.toml"
        """

    @Test func parsesEveryKeyAndResolvesRelativePaths() throws {
        let site = try SiteConfig.parse(toml: Self.full, path: Self.path)
        #expect(site.path == Self.path)
        #expect(site.deviceId == "37010000000000000001")
        #expect(site.board == .sim)
        #expect(site.calibrationPath == "/etc/hoistwatch/../Calibration/demo-elevator.toml")
        #expect(site.stateDirectory == "/var/lib/hoistwatch")
        #expect(site.broker.port == 8883)
        #expect(site.broker.clientId == "board-1")
        #expect(site.broker.tlsCAFile == "/etc/hoistwatch/ca.pem")
        #expect(site.broker.tlsCertFile == "/etc/hoistwatch/tls/client.pem")
        #expect(site.broker.tlsKeyFile == "/etc/hoistwatch/tls/client.key")
        #expect(site.broker.username == "board")
        #expect(site.broker.passwordFile == "/etc/hoistwatch/password")
        #expect(site.outboxCapBytes == 64 << 20)
        #expect(
            site.simulation
                == SiteConfig.Simulation(
                    scenario: "/etc/hoistwatch/../Scenarios/demo.toml", loop: true, timeScale: 1, seed: 7))
        #expect(site.eventTopic == "hoistwatch/v1/37010000000000000001/event")
    }

    @Test func appliesTheDefaults() throws {
        let site = try SiteConfig.parse(toml: Self.minimal, path: Self.path)
        #expect(site.calibrationPath == "/etc/hoistwatch/cal.toml")
        #expect(site.stateDirectory == "/var/lib/hoistwatch")
        #expect(site.logLevel == "info")
        #expect(site.statusIntervalS == 900, "issue 16: a full status refresh every 15 minutes")
        #expect(site.historyDays == 30)
        #expect(site.outboxCapBytes == 64 << 20)
        #expect(site.broker.port == 1883)
        #expect(site.broker.clientId == "hoistwatch-37010000000000000001")
        #expect(site.broker.topicPrefix == "hoistwatch/v1")
        #expect(site.broker.keepAliveS == 120, "issue 16: the will 180 s after the board falls silent")
        #expect(site.broker.tlsCAFile == nil && site.broker.username == nil && site.broker.passwordFile == nil)
        #expect(
            site.simulation == SiteConfig.Simulation(scenario: "/srv/scenarios/demo.toml", loop: true, timeScale: 1))
    }

    @Test(arguments: [
        ("tls_ca = \"ca.pem\"", 8883),
        ("", 1883),
        ("tls_ca = \"ca.pem\"\nport = 18883", 18883),
    ])
    func portDefaultFollowsTLS(brokerLine: String, port: Int) throws {
        let text = Self.minimal.replacingOccurrences(of: "host = \"broker.local\"", with: "host = \"b\"\n\(brokerLine)")
        #expect(try SiteConfig.parse(toml: text, path: Self.path).broker.port == port)
    }

    @Test func fractionsOfAMebibyteAndASecond() throws {
        let site = try SiteConfig.parse(
            toml: "status_interval_s = 0.1\n" + Self.minimal + "\n[outbox]\ncap_mib = 0.5\n", path: Self.path)
        #expect(site.statusIntervalS == 0.1)
        #expect(site.outboxCapBytes == 512 * 1024)
    }

    @Test func aPlantCalibrationIsAPathFromTheConfigsFolder() throws {
        let site = try SiteConfig.parse(
            toml: Self.minimal + "\nplant_calibration = \"../Calibration/sim-plant-elevator.toml\"\n", path: Self.path)
        #expect(site.simulation?.plantCalibration == "/etc/hoistwatch/../Calibration/sim-plant-elevator.toml")
        #expect(try SiteConfig.parse(toml: Self.minimal, path: Self.path).simulation?.plantCalibration == nil)
        #expect(throws: InputError.self) {
            try SiteConfig.parse(toml: Self.minimal + "\nplant_calibration = \"\"\n", path: Self.path)
        }
    }

    @Test func historyCapIsInMebibytesWithinBounds() throws {
        let text = Self.minimal.replacingOccurrences(of: "[broker]", with: "history_cap_mib = 8\n[broker]")
        #expect(try SiteConfig.parse(toml: text, path: Self.path).historyCapBytes == 8 << 20)
        #expect(try SiteConfig.parse(toml: Self.minimal, path: Self.path).historyCapBytes == 64 << 20)
        #expect(throws: InputError.self) {
            try SiteConfig.parse(toml: text.replacingOccurrences(of: "= 8", with: "= 0.5"), path: Self.path)
        }
    }

    @Test func profileBoardsNeedNoSimTable() throws {
        let text = Self.minimal.replacingOccurrences(of: "board = \"sim\"", with: "board = \"profiles/rpi4.toml\"")
            .replacingOccurrences(of: "[sim]\nscenario = \"/srv/scenarios/demo.toml\"", with: "")
        let site = try SiteConfig.parse(toml: text, path: Self.path)
        #expect(site.board == .profile("/etc/hoistwatch/profiles/rpi4.toml"))
        #expect(site.simulation == nil)
        let named = try SiteConfig.parse(
            toml: text.replacingOccurrences(of: "profiles/rpi4.toml", with: "rpi4"), path: Self.path)
        #expect(named.board == .profile("rpi4"))
    }

    @Test(arguments: [
        // (original text of `full`, replacement, the key the error must name)
        ("device_id = \"37010000000000000001\"\n", "", "device_id"),
        ("\"37010000000000000001\"", "\"3701/0001\"", "device_id"),
        ("\"37010000000000000001\"", "\"\(String(repeating: "7", count: 65))\"", "device_id"),
        ("calibration = \"../Calibration/demo-elevator.toml\"\n", "", "calibration"),
        ("board = \"sim\"", "board = \"\"", "board"),
        ("log_level = \"info\"", "log_level = \"verbose\"", "log_level"),
        ("status_interval_s = 60", "status_interval_s = 0.05", "status_interval_s"),
        ("status_interval_s = 60", "status_interval_s = \"60\"", "status_interval_s"),
        ("history_days = 30", "history_days = 0", "history_days"),
        ("history_days = 30", "histroy_days = 30", "histroy_days"),
        ("host = \"127.0.0.1\"\n", "", "broker.host"),
        ("host = \"127.0.0.1\"", "host = \"broker .local\"", "broker.host"),
        ("port = 8883", "port = 0", "broker.port"),
        ("port = 8883", "port = 65536", "broker.port"),
        ("port = 8883", "port = 88.5", "broker.port"),
        ("topic_prefix = \"hoistwatch/v1\"", "topic_prefix = \"hoistwatch/+\"", "broker.topic_prefix"),
        ("topic_prefix = \"hoistwatch/v1\"", "topic_prefix = \"hoistwatch/v1/\"", "broker.topic_prefix"),
        ("topic_prefix = \"hoistwatch/v1\"", "topic_prefix = \"hoistwatch//v1\"", "broker.topic_prefix"),
        ("topic_prefix = \"hoistwatch/v1\"", "topic_prefix = \"\"", "broker.topic_prefix"),
        ("topic_prefix = \"hoistwatch/v1\"", "topic_prefix = \"#\"", "broker.topic_prefix"),
        ("keepalive_s = 30", "keepalive_s = 4", "broker.keepalive_s"),
        ("keepalive_s = 30", "keepalive_s = 3601", "broker.keepalive_s"),
        ("keepalive_s = 30", "keep_alive_s = 30", "broker.keep_alive_s"),
        ("tls_ca = \"ca.pem\"\n", "", "broker.tls_ca"),
        ("tls_key = \"tls//client.key\"\n", "", "broker.tls_key"),
        ("tls_cert = \"./tls/client.pem\"\n", "", "broker.tls_cert"),
        ("password_file = \"password\"", "password = \"hunter2\"", "broker.password"),
        ("username = \"board\"\n", "", "broker.username"),
        ("[broker]\nhost = \"127.0.0.1\"\n", "[mqtt]\nhost = \"127.0.0.1\"\n", "broker"),
        ("cap_mib = 64", "cap_mib = 0", "outbox.cap_mib"),
        ("cap_mib = 64", "cap_mb = 64", "outbox.cap_mb"),
        ("scenario = \"../Scenarios/demo.toml\"\n", "", "sim.scenario"),
        ("time_scale = 1.0", "time_scale = 0", "sim.time_scale"),
        ("time_scale = 1.0", "time_scale = 1001", "sim.time_scale"),
        ("seed = 7", "seed = -1", "sim.seed"),
        ("loop = true", "loop = \"yes\"", "sim.loop"),
        ("board = \"sim\"", "board = \"rpi4\"", "sim"),
    ])
    func refusesWithTheKey(original: String, replacement: String, key: String) {
        #expect(Self.full.contains(original), "the table's original text is not in the config")
        let text = Self.full.replacingOccurrences(of: original, with: replacement)
        do {
            _ = try SiteConfig.parse(toml: text, path: Self.path)
            Issue.record("accepted \(replacement)")
        } catch {
            #expect(error.key == key, "\(error)")
            #expect(!error.message.isEmpty)
        }
    }

    @Test func missingSimTableIsRequiredForTheSimBoard() {
        let text = Self.minimal.replacingOccurrences(of: "[sim]\nscenario = \"/srv/scenarios/demo.toml\"", with: "")
        #expect(throws: InputError(.missingKey, key: "sim", "required table [sim] is missing")) {
            try SiteConfig.parse(toml: text, path: Self.path)
        }
    }

    @Test func aPasswordInTheFileIsRefusedWithAdviceAndWithoutEchoingIt() {
        let text = Self.full.replacingOccurrences(of: "password_file = \"password\"", with: "password = \"hunter2\"")
        do {
            _ = try SiteConfig.parse(toml: text, path: Self.path)
            Issue.record("accepted a password")
        } catch {
            #expect(error.message.contains("password_file"))
            #expect(!error.description.contains("hunter2"))
        }
    }

    @Test func syntaxErrorsCarryTheLine() {
        do {
            _ = try SiteConfig.parse(toml: "device_id = \"x\"\nboard = \n", path: Self.path)
            Issue.record("accepted")
        } catch {
            #expect(error.code == .syntax)
            #expect(error.line == 2)
        }
    }

    @Test(arguments: [
        ("ca.pem", "/etc/hoistwatch/", "/etc/hoistwatch/ca.pem"),
        ("/abs/ca.pem", "/etc/hoistwatch/", "/abs/ca.pem"),
        ("./a/./b//c.pem", "/etc/", "/etc/a/b/c.pem"),
        ("../x.toml", "/srv/site/", "/srv/site/../x.toml"),
        ("x.toml", nil, "x.toml"),
    ])
    func resolvesPathsFromTheConfigFolder(path: String, folder: String?, expected: String) {
        #expect(SiteConfig.resolve(path, in: folder) == expected)
    }

    @Test func theExampleSiteConfigParses() throws {
        let path = Repository.path("Board/site.example.toml")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let site = try SiteConfig.parse(toml: text, path: path)
        #expect(site.board == .sim)
        #expect(site.broker.port == 8883)
        #expect(site.broker.tlsCAFile != nil && site.broker.tlsKeyFile != nil)
        #expect(site.broker.passwordFile == "/etc/hoistwatch/password")
        #expect(site.stateDirectory == "/var/lib/hoistwatch")
        #expect(site.calibrationPath.hasSuffix("/Board/../Calibration/elevator-example.toml"))
        #expect(site.simulation?.scenario.hasSuffix("/Board/../Scenarios/elevator-day-in-the-life.toml") == true)
    }
}
