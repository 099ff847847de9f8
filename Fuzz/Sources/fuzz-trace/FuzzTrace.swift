import FuzzSupport
import HoistWatchConfig
import HoistWatchCore
import HoistWatchFiles

/// The example calibrations a trace is replayed with, one per equipment (the header's).
private let calibrations: [Equipment: Calibration] = [
    .elevator: try! TextFile.calibration(RepositoryFile.path("Calibration/elevator-example.toml")),
    .crane: try! TextFile.calibration(RepositoryFile.path("Calibration/crane-example.toml")),
]

/// One input: a trace file, replayed as `hoistwatch replay` does (`TraceFileReader`, `TraceDecoder`, the detection
/// engine) with the example calibration of the header's equipment. Errors are fine; a trap is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTrace(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = FuzzInput.bytes(start, count)
    let firstLine = bytes.prefix { $0 != 0x0A }
    let header = try? TraceHeader.parse(Array(firstLine))
    let calibration = calibrations[header?.equipment ?? .elevator]!
    let path = FuzzInput.write(start, count)
    let replay = TraceReplay(calibration: calibration, calibrationPath: "example.toml", tracePath: path)
    do {
        _ = try replay.run(output: BufferedFileWriter(path: "/dev/null"))
    } catch {
        precondition(!error.description.isEmpty, "an error without a message")
    }
    return 0
}
