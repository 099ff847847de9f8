import ArgumentParser
import Dispatch
import HoistWatchAgent
import HoistWatchBoard
import HoistWatchCore
import HoistWatchIO
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
            the trace header with their levels at the start, then every edge the kernel reports, until --seconds \
            pass or SIGINT/SIGTERM (the trace is flushed either way). Run it while the agent is stopped: the lines \
            can be requested by one program at a time. Exit 2 on a bad site config, calibration or profile; exit 1 \
            when the GPIO lines cannot be opened (no such chip, no permission, a line in use) or reading fails.
            """)

    @Option(help: "Site config (TOML) naming the board profile and the calibration.") var config: String
    @Option(help: "Trace to write (.hwtrace.jsonl), '-' for standard output.") var out: String
    @Option(help: "Stop after this many seconds (default: until SIGINT/SIGTERM).") var seconds: Double?

    func validate() throws {
        if let seconds, !(seconds > 0 && seconds <= 31_536_000) {
            throw ValidationError("--seconds must be greater than 0 and at most a year, got \(seconds)")
        }
    }

    /// What the reader thread hands the command.
    private enum Item: Sendable {
        case batch(GpioInputBatch)
        case failed(GpioError)
    }

    func run() async throws {
        let loaded = Result { () throws(InputError) -> (SiteConfig, Calibration, String, BoardProfile) in
            let site = try TextFile.siteConfig(config)
            guard case .profile = site.board else {
                throw InputError(.invalidValue, file: site.path, key: "board",
                                 "is \"sim\", which has no real inputs to record: use hoistwatch simulate for that")
            }
            let calibration = try TextFile.calibration(site.calibrationPath)
            guard !calibration.wiredInputs.isEmpty else {
                throw InputError(.invalidValue, file: site.calibrationPath, key: "wiring.inputs",
                                 "wires no digital input: there is nothing to record")
            }
            let (path, profile) = try BoardProfileFile.load(for: site, calibration: calibration)
            return (site, calibration, path, profile)
        }
        let site: SiteConfig, calibration: Calibration, profilePath: String, profile: BoardProfile
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

        let backend: GpioInputBackend
        do {
            backend = try GpioInputBackend(
                profile: profile, inputs: calibration.wiredInputs, source: GpiodV1LineSource(), logger: logger,
                consumer: "hoistwatch-record")
        } catch {
            CLIExit.printError("error: cannot open the GPIO lines of board profile \(profilePath): \(error)")
            throw ExitCode(1)
        }

        var header = TraceHeader(
            equipment: calibration.equipment, deviceId: site.deviceId, initialLevels: backend.initialLevels,
            note: "recorded by hoistwatch \(HoistWatchVersion.current) record, board profile \(profilePath)")
        if SystemClock.isSynchronised() {
            let sinceOpenNs = SystemClock.monotonicNs() - backend.openedNs
            header.startTime = WallTime.rfc3339(ns: SystemClock.realtimeNs() - sinceOpenNs)
        }
        let writer: BufferedFileWriter
        do {
            writer = try BufferedFileWriter(path: out, capacity: 1 << 20)
        } catch {
            throw CLIExit.badInput(error)
        }
        var recorder = TraceRecorder(header: header, originNs: backend.openedNs)

        let (stream, continuation) = AsyncStream.makeStream(of: Item.self)
        let stop: @Sendable () -> Void = {
            backend.stop()
            continuation.finish()
        }
        var signalSources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: stop)
            source.resume()
            signalSources.append(source)
        }
        let deadline = seconds.map { limit in
            Task {
                try? await Task.sleep(nanoseconds: UInt64(limit * 1e9))
                if !Task.isCancelled { stop() }
            }
        }
        backend.start(consumer: { continuation.yield(.batch($0)) },
                      onFailure: { continuation.yield(.failed($0)); continuation.finish() })
        logger.info("recording", metadata: ["trace": "\(out)", "gpio.inputs": "\(backend.inputs.count)"])

        var failure: String?
        var counters = GpioInputCounters()
        // Written out once a second even when quiet, so a power cut loses at most that much of the trace.
        var flushedNs = SystemClock.monotonicNs()
        for await item in stream {
            switch item {
            case .batch(let batch):
                counters = batch.counters
                guard failure == nil else { continue }
                do throws(InputError) {
                    try recorder.append(batch.events, write: writer.write)
                    if SystemClock.monotonicNs() - flushedNs >= 1_000_000_000 {
                        try recorder.flush(writer.write)
                        try writer.flush()
                        flushedNs = SystemClock.monotonicNs()
                    }
                } catch {
                    failure = "writing the trace failed: \(error)"
                    DispatchQueue.global().async(execute: stop)
                }
            case .failed(let error):
                failure = "reading the GPIO lines failed: \(error)"
            }
        }
        backend.stop()
        deadline?.cancel()
        for source in signalSources { source.cancel() }

        if failure == nil {
            do throws(InputError) {
                try recorder.flush(writer.write)
                try writer.close()
            } catch {
                failure = "writing the trace failed: \(error)"
            }
        } else {
            try? recorder.flush(writer.write)
            try? writer.close()
        }
        CLIExit.printError(
            "recorded \(recorder.eventCount) input events to \(out): \(counters.edges) edges, "
                + "\(counters.lostEdges) lost edges (\(counters.quadratureErrors) on the encoder), "
                + "\(counters.overflowsSuspected) full kernel FIFOs, \(counters.lateEdges) late edges")
        if let failure {
            CLIExit.printError("error: \(failure)")
            throw ExitCode(1)
        }
    }
}
