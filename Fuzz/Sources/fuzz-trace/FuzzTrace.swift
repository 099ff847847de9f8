import FuzzSupport
import HoistWatchConfig
import HoistWatchCore
import HoistWatchFiles

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Trace time up to which a trace is also replayed with every 10 ms tick evaluated, to hold the replay that skips
/// idle ticks (`DetectionEngine.advanceSkippingIdleTicks`) to the same output byte for byte: a minute of ticks is quick enough
/// to do at every input.
private let comparedUpToNs: Int64 = 60_000_000_000

/// The two outputs, beside the input file (removed at exit).
private let skippedOutput: String = {
    atexit { unlink(skippedOutput) }
    return FuzzInput.path + ".skipped.jsonl"
}()
private let everyTickOutput: String = {
    atexit { unlink(everyTickOutput) }
    return FuzzInput.path + ".every-tick.jsonl"
}()

/// One input: a trace file, read (`TraceFileReader`, `TraceDecoder`), then replayed as `hoistwatch replay` does
/// (`TraceReplay`: the detection engine, skipping idle ticks) with the example calibration of the header's
/// equipment, however far its times reach; a trace ending within a minute is replayed a second time with every tick
/// evaluated, and both outputs must be the same. Errors are fine; a trap, a difference or a timeout is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTrace(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = FuzzInput.bytes(start, count)
    let firstLine = bytes.prefix { $0 != 0x0A }
    let header = try? TraceHeader.parse(Array(firstLine))
    let calibration = RepositoryFile.exampleCalibrations[header?.equipment ?? .elevator]!
    var lastNs: Int64 = 0
    let read = FuzzInput.loaded(start, count) { (path) throws(InputError) in
        try TraceFileReader(path: path).read(onHeader: { _ in }, onEvent: { lastNs = max(lastNs, $0.tNs) })
    }
    guard read != nil else { return 0 }
    func replay(skipping: Bool, into output: String) -> TraceReplay.Summary? {
        FuzzInput.loaded(start, count) { (path) throws(InputError) in
            let writer = try BufferedFileWriter(path: output)
            let summary = try TraceReplay(
                calibration: calibration, calibrationPath: "example.toml", tracePath: path, skipsIdleTicks: skipping,
                seed: 1
            ).run(output: writer)
            try writer.close()
            return summary
        }
    }
    let skipped = replay(skipping: true, into: skippedOutput)
    guard lastNs <= comparedUpToNs else { return 0 }
    let everyTick = replay(skipping: false, into: everyTickOutput)
    precondition((skipped == nil) == (everyTick == nil), "one replay refused the trace, the other did not")
    if let skipped, let everyTick {
        precondition(skipped.events == everyTick.events, "skipping idle ticks changed the number of events")
        precondition(skipped.counters == everyTick.counters, "skipping idle ticks changed the counters")
        precondition(contents(skippedOutput) == contents(everyTickOutput), "skipping idle ticks changed the events")
    }
    return 0
}

/// A file's bytes (the replays' outputs: small).
private func contents(_ path: String) -> [UInt8] {
    guard let file = fopen(path, "rb") else { return [] }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let read = fread(&buffer, 1, buffer.count, file)
        if read <= 0 { break }
        bytes.append(contentsOf: buffer[0..<read])
    }
    return bytes
}
