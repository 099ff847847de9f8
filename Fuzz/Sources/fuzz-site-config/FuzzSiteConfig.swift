import FuzzSupport
import HoistWatchConfig
import HoistWatchCore
import HoistWatchFiles

/// One input: a site config (`TextFile.siteConfig`, what `hoistwatch run --config` and `check --config` read).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSiteConfig(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let path = FuzzInput.write(start, count)
    do {
        _ = try TextFile.siteConfig(path)
    } catch {
        precondition(!error.description.isEmpty, "an error without a message")
    }
    return 0
}
