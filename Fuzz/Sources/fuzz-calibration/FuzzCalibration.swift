import FuzzSupport
import HoistWatchConfig
import HoistWatchCore
import HoistWatchFiles

/// One input: a calibration file (`TextFile.calibration`: TOML, every table, `[thresholds]`). What it accepts
/// builds the detection engine, which then runs its first ticks and finishes, as the agent does with it (a few
/// ticks only: each costs about as much as the whole parse under the sanitizers).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCalibration(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard let calibration = FuzzInput.loaded(start, count, by: TextFile.calibration) else { return 0 }
    let header = TraceHeader(equipment: calibration.equipment, deviceId: calibration.deviceId, initialPositionM: 0)
    var engine = DetectionEngine(
        calibration: calibration, header: header, stamper: .replay(deviceId: calibration.deviceId, seed: 1))
    var events: [Event] = []
    engine.advance(toNs: 100_000_000, into: &events)
    engine.finish(into: &events)
    return 0
}
