import FuzzSupport
import HoistWatchConfig
import HoistWatchCore
import HoistWatchFiles

/// One input: a board profile (`BoardProfileFile.load`). What it accepts is checked against every input of both
/// equipments and restricted to them, as `run` and `check` do with a calibration's wiring.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBoardProfile(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard let profile = FuzzInput.loaded(start, count, by: BoardProfileFile.load) else { return 0 }
    for equipment in [Equipment.elevator, .crane] {
        let wired = Set(equipment.digitalInputs)
        _ = profile.unmapped(wired)
        _ = profile.restricted(to: wired, loadCellWired: true)
    }
    return 0
}
