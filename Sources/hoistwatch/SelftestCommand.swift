import ArgumentParser
import HoistWatchAgent
import HoistWatchConfig
import HoistWatchCore
import HoistWatchFiles
import HoistWatchSystem

/// `hoistwatch selftest --config SITE.toml`: the installer's wiring check on a board with the agent running.
/// It asks for each wired input to be actuated and watches its edge count on the agent's diag socket, checks the
/// encoder counts up when the car goes up, that the load cell answers and is not stuck, that the broker takes
/// the configured TLS and credentials, and that the clock is synchronised. Prints a table; exit 0 only if all
/// passed (1 otherwise, 2 for a bad config).
struct SelftestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selftest",
        abstract: "Installer's wiring check: inputs, encoder direction, load cell, broker, clock.")

    @Option(help: "Site config (TOML).") var config: String
    @Option(help: "Seconds to wait for each input to be actuated.") var timeoutS: Double = 30
    @Option(help: "Only these inputs (comma-separated wire names); default every wired one.") var inputs: String?
    @Option(help: "The agent's diag socket (default: diag.sock in the config's state_dir).") var socket: String?
    @Option(help: "Seconds the broker check waits for the broker's answer, at most.") var brokerTimeoutS: Double = 10

    func validate() throws {
        guard brokerTimeoutS > 0, brokerTimeoutS <= 300 else {
            throw ValidationError("--broker-timeout-s must be more than 0 and at most 300")
        }
    }

    struct Result {
        var check: String
        var passed: Bool
        var detail: String
    }

    func run() async throws {
        let site: SiteConfig
        let calibration: Calibration
        var password: String?
        do {
            site = try TextFile.siteConfig(config)
            calibration = try TextFile.calibration(site.calibrationPath)
            if let file = site.broker.passwordFile { password = try SiteConfigCheck.password(fromFile: file) }
        } catch {
            throw CLIExit.badInput(error)
        }
        let path = socket ?? "\(site.stateDirectory)/diag.sock"
        var results: [Result] = []

        results.append(
            Result(
                check: "clock", passed: SystemClock.isSynchronised(),
                detail: SystemClock.isSynchronised()
                    ? "synchronised" : "not synchronised (is an NTP daemon running? timedatectl)"))
        results.append(await brokerCheck(site, password: password))

        let first: DiagnosticsSnapshot
        do {
            first = try snapshot(path)
        } catch {
            results.append(Result(check: "agent", passed: false, detail: "\(error)"))
            return finish(results)
        }
        results.append(Result(check: "agent", passed: true, detail: "running, diag socket \(path)"))

        let wired = first.inputs.map(\.name)
        let wanted = inputs.map { $0.split(separator: ",").map { String($0.filter { $0 != " " }) } } ?? wired
        for name in wanted {
            guard wired.contains(name) else {
                results.append(Result(check: "input \(name)", passed: false, detail: "not wired in the calibration"))
                continue
            }
            say("actuate \(name) now (waiting up to \(Int(timeoutS)) s)...")
            results.append(await inputCheck(name, path: path))
        }
        if wired.contains("enc_a") && (inputs == nil || wanted.contains("enc_a")) {
            say("run the car UP now (waiting up to \(Int(timeoutS)) s)...")
            results.append(await encoderDirectionCheck(path: path))
        }
        if calibration.wiredAdc.contains(.load) {
            results.append(await loadCellCheck(path: path))
        }
        finish(results)
    }

    private func say(_ text: String) {
        Console.line(text)
    }

    private func finish(_ results: [Result]) {
        let width = max(12, results.map(\.check.count).max() ?? 0)
        say("")
        func padded(_ text: String) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
        say(padded("check") + "  result  detail")
        for result in results {
            say(
                padded(result.check)
                    + "  " + (result.passed ? "PASS  " : "FAIL  ") + "  " + result.detail)
        }
        let failed = results.filter { !$0.passed }.count
        say(failed == 0 ? "all \(results.count) checks passed" : "\(failed) of \(results.count) checks failed")
        if failed > 0 { Self.exit(withError: ExitCode(1)) }
    }

    private func snapshot(_ path: String) throws -> DiagnosticsSnapshot { try DiagSocketClient.snapshot(path) }

    /// Polls the snapshot every 100 ms until `done` says so or the timeout passes.
    private func watch(path: String, _ done: (DiagnosticsSnapshot) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeoutS * 1000))
        while ContinuousClock.now < deadline {
            if let report = try? snapshot(path), done(report) { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    private static func edges(_ report: DiagnosticsSnapshot, _ name: String) -> Int64? {
        report.inputs.first { $0.name == name }?.edges
    }

    private func inputCheck(_ name: String, path: String) async -> Result {
        guard let start = (try? snapshot(path)).flatMap({ Self.edges($0, name) }) else {
            return Result(check: "input \(name)", passed: false, detail: "the agent does not report it")
        }
        let seen = await watch(path: path) { (Self.edges($0, name) ?? start) > start }
        return Result(
            check: "input \(name)", passed: seen,
            detail: seen ? "edge seen" : "no edge within \(Int(timeoutS)) s: check wiring, line and active_low")
    }

    private func encoderDirectionCheck(path: String) async -> Result {
        var lastPosition: Double?
        var rise = 0.0
        var fall = 0.0
        let decided = await watch(path: path) { report in
            let position = report.positionM
            let speed = report.speedMps
            if let last = lastPosition, abs(speed) > 0.05 {
                if position > last { rise += position - last } else { fall += last - position }
            }
            lastPosition = position
            return rise > 0.5 || fall > 0.5
        }
        if !decided {
            return Result(
                check: "encoder direction", passed: false,
                detail: "the car did not move 0.5 m within \(Int(timeoutS)) s")
        }
        return rise > fall
            ? Result(check: "encoder direction", passed: true, detail: "counts up going up")
            : Result(check: "encoder direction", passed: false, detail: "counts DOWN going up: swap enc_a and enc_b")
    }

    private func loadCellCheck(path: String) async -> Result {
        var values: [Double] = []
        let deadline = ContinuousClock.now + .milliseconds(Int(min(timeoutS, 5) * 1000))
        while ContinuousClock.now < deadline {
            if let report = try? snapshot(path), let load = report.loadKg {
                values.append(load)
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        guard !values.isEmpty else {
            return Result(
                check: "load cell", passed: false,
                detail: "no reading: HX711 not answering (check DOUT/SCK or the IIO overlay)")
        }
        let spread = (values.max() ?? 0) - (values.min() ?? 0)
        return spread > 0
            ? Result(
                check: "load cell", passed: true,
                detail: "answering, \(FixedPoint.format(values.last ?? 0, decimals: 1)) kg "
                    + "(noise \(FixedPoint.format(spread, decimals: 2)) kg)")
            : Result(check: "load cell", passed: false, detail: "reading does not change at all: stuck?")
    }

    private func brokerCheck(_ site: SiteConfig, password: String?) async -> Result {
        // A client id of its own (the broker would drop the agent's connection for it) and a short keepalive.
        var options = MosquittoOptions(broker: site.broker, password: password)
        options.clientID += "-selftest"
        options.keepAliveS = 10
        let outcome = await BrokerProbe.run(options: options, timeoutS: brokerTimeoutS)
        let verdict = BrokerProbeVerdict(outcome, options: options)
        return Result(check: "broker", passed: verdict.passed, detail: verdict.detail)
    }
}
