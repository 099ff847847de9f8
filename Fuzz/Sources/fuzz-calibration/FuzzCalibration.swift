import FuzzSupport
import HoistWatchConfig
import HoistWatchCore
import HoistWatchFiles

/// One input: a calibration file (`TextFile.calibration`: TOML, every table, `[thresholds]`). What it accepts
/// builds the detection engine, which is then run through a minute of standing still and finished, as the agent
/// does with it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCalibration(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let path = FuzzInput.write(start, count)
    let calibration: Calibration
    do {
        calibration = try TextFile.calibration(path)
    } catch {
        precondition(!error.description.isEmpty, "an error without a message")
        return 0
    }
    let header = TraceHeader(equipment: calibration.equipment, deviceId: calibration.deviceId, initialPositionM: 0)
    var engine = DetectionEngine(
        calibration: calibration, header: header, stamper: .replay(deviceId: calibration.deviceId, seed: 1))
    var events: [Event] = []
    engine.advance(toNs: 60_000_000_000, into: &events)
    engine.finish(into: &events)
    return 0
}
