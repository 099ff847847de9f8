import CGpiod

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The libgpiod this process calls, with its functions: the v1 API (libgpiod 1.x, libgpiod.so.2: Debian
/// bookworm) or the v2 API (libgpiod 2.x, libgpiod.so.3: trixie). Found at run time, not at build time, so one
/// binary (and one `.deb`) serves both distributions and building needs no libgpiod at all: `system()` loads
/// libgpiod.so.3 and, when that is not installed, libgpiod.so.2 (docs/gpio.md, "Which libgpiod"). Each library
/// is loaded once per process and kept; the fake of HoistWatchBoardTestKit is either case with its own functions.
public enum GpiodLibrary: Sendable {
    /// libgpiod 1.x through `GpiodV1LineSource`.
    case v1(GpiodFunctions)
    /// libgpiod 2.x through `GpiodV2LineSource`.
    case v2(GpiodV2Functions)

    /// A C API of libgpiod, each in its own shared library.
    public enum API: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case v1, v2

        /// The shared library `dlopen` looks for.
        public var soname: String {
            switch self {
            case .v1: return "libgpiod.so.2"
            case .v2: return "libgpiod.so.3"
            }
        }

        /// The Debian package that installs it.
        public var debianPackage: String {
            switch self {
            case .v1: return "libgpiod2"
            case .v2: return "libgpiod3"
            }
        }

        /// The version's name, as logged in `gpio.library`.
        public var description: String { rawValue }
    }

    /// Which API this is.
    public var api: API {
        switch self {
        case .v1: return .v1
        case .v2: return .v2
        }
    }

    /// The GPIO input lines through this library: the v1 or the v2 wrapper.
    public var lineSource: any GpioLineSource {
        switch self {
        case .v1(let functions): return GpiodV1LineSource(functions: functions)
        case .v2(let functions): return GpiodV2LineSource(functions: functions)
        }
    }

    /// The library of this machine: libgpiod.so.3 (v2) when it loads, else libgpiod.so.2 (v1). v2 goes first
    /// because it is the one with sequence numbers (exact lost edges) and a settable event buffer; a machine has
    /// both only when someone installed the old one by hand.
    ///
    /// - Throws: `GpioError` `.libraryMissing` naming both libraries and the dynamic linker's reasons.
    public static func system() throws(GpioError) -> GpiodLibrary {
        var reasons: [String] = []
        for api in [API.v2, .v1] {
            do {
                return try load(api)
            } catch {
                reasons.append(error.message)
            }
        }
        throw GpioError(.libraryMissing, function: "dlopen", subject: "libgpiod",
                        message: "neither libgpiod.so.3 (v2) nor libgpiod.so.2 (v1) can be loaded: "
                            + reasons.joined(separator: "; "))
    }

    /// The real library of `api` (loaded on first use, then kept).
    ///
    /// - Throws: `GpioError` `.libraryMissing` when it is not installed or lacks a function HoistWatch calls.
    public static func load(_ api: API) throws(GpioError) -> GpiodLibrary {
        try loaded(api).get().library
    }

    /// The version the loaded library reports of itself (`gpiod_version_string`, `gpiod_api_version`): "1.6.3",
    /// "2.2.1"; nil when it cannot be loaded.
    public static func versionText(_ api: API) -> String? {
        try? loaded(api).get().version
    }

    /// "libgpiod 2.2.1 (libgpiod.so.3)", for the log.
    public var description: String {
        "libgpiod \(Self.versionText(api) ?? "?") (\(api.soname))"
    }

    /// The v1 table, if this is v1.
    var v1Functions: GpiodFunctions? {
        if case .v1(let functions) = self { return functions }
        return nil
    }

    /// The v2 table, if this is v2.
    var v2Functions: GpiodV2Functions? {
        if case .v2(let functions) = self { return functions }
        return nil
    }

    /// CLOCK_MONOTONIC in nanoseconds: the clock of edge timestamps in both APIs (v2 asks for it explicitly).
    static func monotonicNs() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    /// A library loaded for good: the handle (never closed), its functions, its own version text.
    private struct Loaded: Sendable {
        var handle: GpiodSharedLibrary
        var library: GpiodLibrary
        var version: String
    }

    // Static lets are initialised once, on first use, thread-safely: each library is loaded at most once.
    private static let loadedV1 = Result { () throws(GpioError) -> Loaded in
        let handle = try GpiodSharedLibrary(API.v1.soname)
        let version = try handle.function("gpiod_version_string", as: hw_gpiod1_version_string_fn.self)
        return Loaded(handle: handle, library: .v1(try GpiodFunctions.load(from: handle)),
                      version: version().map { String(cString: $0) } ?? "?")
    }

    private static let loadedV2 = Result { () throws(GpioError) -> Loaded in
        let handle = try GpiodSharedLibrary(API.v2.soname)
        let version = try handle.function("gpiod_api_version", as: hw_gpiod2_api_version_fn.self)
        return Loaded(handle: handle, library: .v2(try GpiodV2Functions.load(from: handle)),
                      version: version().map { String(cString: $0) } ?? "?")
    }

    private static func loaded(_ api: API) -> Result<Loaded, GpioError> {
        switch api {
        case .v1: return loadedV1
        case .v2: return loadedV2
        }
    }
}
