import ArgumentParser
import Dispatch
import HoistWatchBoard
import HoistWatchConfig
import HoistWatchCore
import HoistWatchFiles
import HoistWatchSystem
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `hoistwatch record`: on a board, records the real inputs to a trace until `--seconds` pass or SIGINT/SIGTERM.
struct RecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record", abstract: "Record a board's real inputs to a trace (.hwtrace.jsonl).",
        discussion: """
            Opens the GPIO lines the site config's board profile maps for every input the calibration wires, writes \
            the trace header with their levels at the start, then every edge the kernel reports and, when the \
            calibration wires the load cell, every HX711 sample (the profile's [hx711]), merged by time as the agent \
            sees them, until --seconds pass or SIGINT/SIGTERM (the trace is flushed either way). Run it while the \
            agent is stopped: the lines can be requested by one program at a time. Exit 2 on a bad site config, \
            calibration or profile; exit 1 when the GPIO lines or the load cell cannot be opened (no such chip or \
            IIO device, no permission, a line in use) or reading fails.
            """)

    @Option(help: "Site config (TOML) naming the board profile and the calibration.") var config: String
    @Option(help: "Trace to write (.hwtrace.jsonl), '-' for standard output.") var out: String
    @Option(help: "Stop after this many seconds (default: until SIGINT/SIGTERM).") var seconds: Double?

    func validate() throws {
        if let seconds, !(seconds > 0 && seconds <= 31_536_000) {
            throw ValidationError("--seconds must be greater than 0 and at most a year, got \(seconds)")
        }
    }

    func run() async throws {
        let loaded = Result { () throws(InputError) -> (SiteConfig, Calibration, String, BoardProfile) in
            let site = try TextFile.siteConfig(config)
            guard case .profile = site.board else {
                throw InputError(
                    .invalidValue, file: site.path, key: "board",
                    "is \"sim\", which has no real inputs to record: use hoistwatch simulate for that")
            }
            let calibration = try TextFile.calibration(site.calibrationPath)
            guard !calibration.wiredInputs.isEmpty else {
                throw InputError(
                    .invalidValue, file: site.calibrationPath, key: "wiring.inputs",
                    "wires no digital input: there is nothing to record")
            }
            let (path, profile) = try BoardProfileFile.load(for: site, calibration: calibration)
            return (site, calibration, path, profile)
        }
        let site: SiteConfig
        let calibration: Calibration
        let profilePath: String
        let profile: BoardProfile
        switch loaded {
        case .success(let value): (site, calibration, profilePath, profile) = value
        case .failure(let error): throw CLIExit.badInput(error)
        }

        let level = Logger.Level(rawValue: site.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "hoistwatch.record")

        let board: GpioBoard
        do {
            board = try GpioBoard.open(
                name: GpioBoard.name(for: site.board, profilePath: profilePath), profilePath: profilePath,
                profile: profile, calibration: calibration,
                deviceId: site.deviceId, logger: logger)
        } catch {
            CLIExit.printError("error: \(error)")
            throw ExitCode(1)
        }

        var header = board.header
        header.note = "recorded by hoistwatch \(HoistWatchVersion.current) record, board profile \(profilePath)"
        if SystemClock.isSynchronised(), let originNs = board.originMonoNs {
            let sinceOpenNs = SystemClock.monotonicNs() - originNs
            header.startTime = WallTime.rfc3339(ns: SystemClock.realtimeNs() - sinceOpenNs)
        }
        let writer: BufferedFileWriter
        do {
            writer = try BufferedFileWriter(path: out, capacity: 1 << 20)
        } catch {
            throw CLIExit.badInput(error)
        }

        // Set from a signal handler or the deadline, read by the recording loop.
        let stopFlag = Locked(false)
        var signalSources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { stopFlag.withLock { $0 = true } }
            source.resume()
            signalSources.append(source)
        }
        let deadline = seconds.map { limit in
            Task {
                try? await Task.sleep(nanoseconds: UInt64(limit * 1e9))
                if !Task.isCancelled { stopFlag.withLock { $0 = true } }
            }
        }
        logger.info("recording", metadata: ["trace": "\(out)", "board": "\(board.name)"])
        let summary = await BoardRecording.record(
            board, header: header, write: writer.write, flush: writer.flush, stopRequested: { stopFlag.withLock { $0 } }
        )
        deadline?.cancel()
        for source in signalSources { source.cancel() }

        var failure = summary.failure
        do throws(InputError) {
            try writer.close()
        } catch {
            failure = failure ?? "writing the trace failed: \(error)"
        }
        let counters = summary.counters ?? BoardInputCounters()
        let gpio = counters.gpio
        var line =
            "recorded \(summary.events) input events to \(out): \(gpio.edges) edges, "
            + "\(gpio.lostEdges) lost edges (\(gpio.quadratureErrors) on the encoder), "
            + "\(gpio.overflowsSuspected) full kernel FIFOs, \(gpio.lateEdges) late edges"
        if let load = counters.loadCell {
            line += ", \(load.samples) load samples (\(load.failedSamples) failed)"
        }
        CLIExit.printError(line)
        if let failure {
            CLIExit.printError("error: \(failure)")
            throw ExitCode(1)
        }
    }
}
