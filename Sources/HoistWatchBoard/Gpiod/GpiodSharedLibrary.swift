#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A shared library opened with `dlopen` (`RTLD_NOW | RTLD_LOCAL`): opened in `init`, closed in `deinit`. The
/// libgpiod ones are opened once per process and kept (`GpiodLibrary`), so the function pointers taken from them
/// stay valid for as long as the tables holding them. `RTLD_LOCAL` keeps v1's and v2's symbols apart (both export
/// `gpiod_chip_open`), should a test load both.
final class GpiodSharedLibrary: @unchecked Sendable {
    // @unchecked Sendable: `handle` is set once in `init`; dlsym may be called from any thread.

    /// The name it was opened by (`libgpiod.so.3`).
    let soname: String
    private let handle: UnsafeMutableRawPointer

    /// Opens `soname` through the dynamic linker's search (LD_LIBRARY_PATH, the cache, the default folders).
    init(_ soname: String) throws(GpioError) {
        guard let handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL) else {
            throw GpioError(.libraryMissing, function: "dlopen", subject: soname, message: Self.lastError())
        }
        self.soname = soname
        self.handle = handle
    }

    deinit { dlclose(handle) }

    /// The function `name` (`dlsym`) as the C function type `type`; `type` must be the typedef shim.h declares for
    /// it (scripts/gpiod-abi-check.sh holds those to the real header).
    func function<Function>(_ name: String, as type: Function.Type) throws(GpioError) -> Function {
        _ = dlerror()
        guard let address = dlsym(handle, name) else {
            throw GpioError(.libraryMissing, function: "dlsym", subject: "\(soname) \(name)", message: Self.lastError())
        }
        return unsafeBitCast(address, to: type)
    }

    private static func lastError() -> String {
        dlerror().map { String(cString: $0) } ?? "unknown dynamic linker error"
    }
}
