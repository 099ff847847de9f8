import FuzzSupport
import HoistWatchConfig
import HoistWatchCore
import HoistWatchFiles

/// One input: a site config (`TextFile.siteConfig`, what `hoistwatch run --config` and `check --config` read).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSiteConfig(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    _ = FuzzInput.loaded(start, count, by: TextFile.siteConfig)
    return 0
}
