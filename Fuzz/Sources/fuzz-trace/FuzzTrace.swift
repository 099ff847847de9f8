import FuzzSupport
import HoistWatchConfig
import HoistWatchCore
import HoistWatchFiles

/// Trace time up to which a trace is replayed. The engine ticks every 10 ms up to each event, so an event at
/// `t_ns` 2e18 keeps replay busy for ages: found by this target and not fixed yet (README.md "Fuzzing"). A trace
/// reaching further is only read and decoded, so that the fuzzer goes on looking for anything else.
private let replayedUpToNs: Int64 = 3_600_000_000_000

/// One input: a trace file, read (`TraceFileReader`, `TraceDecoder`), then replayed as `hoistwatch replay` does
/// (`TraceReplay`: the detection engine) with the example calibration of the header's equipment. Errors are fine;
/// a trap is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTrace(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = FuzzInput.bytes(start, count)
    let firstLine = bytes.prefix { $0 != 0x0A }
    let header = try? TraceHeader.parse(Array(firstLine))
    let calibration = RepositoryFile.exampleCalibrations[header?.equipment ?? .elevator]!
    var lastNs: Int64 = 0
    let read = FuzzInput.loaded(start, count) { (path) throws(InputError) in
        try TraceFileReader(path: path).read(onHeader: { _ in }, onEvent: { lastNs = $0.tNs })
    }
    guard read != nil, lastNs <= replayedUpToNs else { return 0 }
    _ = FuzzInput.loaded(start, count) { (path) throws(InputError) in
        try TraceReplay(calibration: calibration, calibrationPath: "example.toml", tracePath: path)
            .run(output: BufferedFileWriter(path: "/dev/null"))
    }
    return 0
}
