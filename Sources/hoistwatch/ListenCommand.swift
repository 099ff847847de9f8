import ArgumentParser
import Dispatch
import HoistWatchAgent
import HoistWatchConfig
import HoistWatchCore
import HoistWatchFiles
import HoistWatchSystem

#if canImport(Glibc)
import Glibc
#endif

/// `hoistwatch listen`: the platform engineer's view of the boards under a topic prefix. Subscribes (with the site
/// config's broker, TLS and credentials, or the options) and prints each board's alerts readably, status changes,
/// decoded flight records, duplicates filtered by `id`, `seq` gaps and drops per board, which boards are online;
/// `--json` prints one JSON object per line instead. On SIGINT/SIGTERM (or after `--seconds`) it prints a summary
/// per board and exits 0; a broker that cannot be reached or refuses the login is exit 1, bad options or config 2.
/// The judging is `FleetWatch` (HoistWatchCore); this only connects, feeds it and prints.
struct ListenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "Subscribe to the boards' topics and show their alerts, status and flight records (platform side).")

    @Option(help: "Site config (TOML): its [broker] host, port, TLS, username, password_file and topic_prefix.")
    var config: String?
    @Option(help: "Broker host (default: the config's, else 127.0.0.1).") var host: String?
    @Option(help: "Broker port (default: the config's, else 1883).") var port: Int?
    @Option(help: "Topic prefix (default: the config's topic_prefix, else hoistwatch/v1).") var prefix: String?
    @Option(help: "Only this board (exact topics: RabbitMQ replays retained status only to those).") var device: String?
    @Option(help: "TLS: the CA file (default: the config's tls_ca).") var tlsCa: String?
    @Option(help: "Username (default: the config's).") var username: String?
    @Option(help: "File holding the password (default: the config's password_file).") var passwordFile: String?
    @Option(help: "Seconds to wait for the broker's answer to connect.") var connectTimeoutS: Double = 10
    @Option(help: "Stop after this many seconds (default: until SIGINT or SIGTERM).") var seconds: Double?
    @Flag(help: "One JSON object per line: each observation, then the summary.") var json = false

    func validate() throws {
        if let port, !(1...65535).contains(port) {
            throw CLIExit.badInput(InputError(.invalidValue, key: "--port", "must be between 1 and 65535"))
        }
        if let seconds, seconds <= 0 {
            throw CLIExit.badInput(InputError(.invalidValue, key: "--seconds", "must be more than 0"))
        }
        guard connectTimeoutS > 0 else {
            throw CLIExit.badInput(InputError(.invalidValue, key: "--connect-timeout-s", "must be more than 0"))
        }
        if let prefix, prefix.isEmpty || prefix.contains("#") || prefix.contains("+") {
            throw CLIExit.badInput(InputError(.invalidValue, key: "--prefix", "must be a topic without wildcards"))
        }
    }

    func run() async throws {
        let (options, topicPrefix) = try connection()
        signal(SIGPIPE, SIG_IGN)
        let inputs = AsyncStream<ListenInput>.makeStream()
        var signalSources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { inputs.continuation.yield(.stop) }
            source.resume()
            signalSources.append(source)
        }
        defer { for source in signalSources { source.cancel() } }
        if let seconds {
            Task {
                try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                inputs.continuation.yield(.stop)
            }
        }
        var session = ListenSession(
            options: options, patterns: patterns(topicPrefix), inputs: inputs.continuation,
            connectTimeoutS: connectTimeoutS)
        var watch = FleetWatch(prefix: topicPrefix) { try? FlightRecordPayload.trace(of: $0) }
        let colour = !json && Console.isTerminal
        if !json {
            Console.line(
                "listening on \(options.host):\(options.port) to \(patterns(topicPrefix).joined(separator: ", "))")
        }
        do {
            try session.start()
        } catch {
            CLIExit.printError("error: \(error)")
            throw ExitCode(1)
        }
        for await input in inputs.stream {
            switch input {
            case .stop:
                session.close()
                for line in json ? [watch.summaryJSON()] : watch.summaryLines() { Console.line(line) }
                return
            case .mqtt(let generation, let event):
                guard generation == session.generation else { continue }
                if case .message(let topic, let payload, let retained) = event {
                    for observation in watch.receive(topic: topic, payload: payload, retained: retained) {
                        for line in json ? [observation.jsonLine()] : observation.textLines(colour: colour) {
                            Console.line(line)
                        }
                    }
                    continue
                }
                switch session.handle(event) {
                case .none: break
                case .say(let text): if !json { Console.line(text) }
                case .fail(let reason):
                    session.close()
                    CLIExit.printError("error: \(reason)")
                    throw ExitCode(1)
                }
            case .connectTimeout(let generation):
                guard generation == session.generation, !session.connected else { continue }
                session.close()
                CLIExit.printError(
                    "error: no answer from the broker at \(options.host):\(options.port) within "
                        + "\(Int(connectTimeoutS)) s (is it an MQTT port? TLS where the broker expects plain MQTT, or "
                        + "the other way round?)")
                throw ExitCode(1)
            case .reconnect(let generation):
                guard generation == session.generation else { continue }
                do {
                    try session.start()
                } catch {
                    if !json { Console.line("         reconnect failed (\(error)); trying again") }
                    session.scheduleReconnect()
                }
            }
        }
    }

    /// Where to connect and the prefix, from the config and the options (options win).
    private func connection() throws -> (MosquittoOptions, String) {
        var options: MosquittoOptions
        var topicPrefix = "hoistwatch/v1"
        do {
            if let config {
                let site = try TextFile.siteConfig(config)
                let password = try site.broker.passwordFile.map { file throws(InputError) in
                    try SiteConfigCheck.password(fromFile: file)
                }
                options = MosquittoOptions(broker: site.broker, password: password)
                topicPrefix = site.broker.topicPrefix
            } else {
                options = MosquittoOptions(host: "127.0.0.1", port: 1883, clientID: "")
            }
            if let passwordFile { options.password = try SiteConfigCheck.password(fromFile: passwordFile) }
        } catch {
            throw CLIExit.badInput(error)
        }
        if let host { options.host = host }
        if let port { options.port = port }
        if let username { options.username = username }
        if let tlsCa { options.tls = MosquittoOptions.TLS(caFile: tlsCa) }
        if let prefix { topicPrefix = prefix }
        while topicPrefix.hasSuffix("/") { topicPrefix.removeLast() }
        // A client id of its own: the broker would drop the board's connection for one it already has.
        options.clientID = "hoistwatch-listen-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        options.cleanSession = true
        options.will = nil
        return (options, topicPrefix)
    }

    /// Status last: its retained birth then arrives only after the broker has taken the other subscriptions (it
    /// handles one client's packets in order), so nothing published after the birth is seen can be missed.
    private func patterns(_ topicPrefix: String) -> [String] {
        let board = device ?? "+"
        return [
            "\(topicPrefix)/\(board)/record/#", "\(topicPrefix)/\(board)/event", "\(topicPrefix)/\(board)/birth",
            "\(topicPrefix)/\(board)/status",
        ]
    }
}

/// What the listen loop waits for: the broker's events of one client (`generation`), a stop, its timers.
enum ListenInput: Sendable {
    case mqtt(generation: Int, MosquittoEvent)
    case stop
    case connectTimeout(generation: Int)
    case reconnect(generation: Int)
}
