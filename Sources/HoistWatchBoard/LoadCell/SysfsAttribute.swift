#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What one read of a sysfs attribute gave: its text, or the errno of the `open` or `read` that failed.
public enum SysfsRead: Sendable, Hashable {
    /// The attribute's whole text, as read (usually one line ending in a newline).
    case text(String)
    /// The errno of the failed call (EIO, ETIMEDOUT from a driver that got no answer; ENOENT, EACCES, EISDIR).
    case failed(errno: Int32)
}

/// Reads sysfs attributes. Every read opens the file afresh: for an IIO `_raw` attribute each read makes the
/// driver take a new measurement, and an error belongs to that read only.
public enum SysfsAttribute {
    /// A sysfs attribute never holds more than one page.
    private static let maxBytes = 4096

    /// Reads the attribute at `path` (`open`, `read` until end of file, `close`), retrying on EINTR.
    /// The read can block as long as the driver takes (the HX711's waits up to about a second for its chip).
    public static func read(_ path: String) -> SysfsRead {
        var descriptor: Int32
        repeat { descriptor = open(path, O_RDONLY | O_CLOEXEC) } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else { return .failed(errno: errno) }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: maxBytes)
        var filled = 0
        while filled < maxBytes {
            let count = bytes.withUnsafeMutableBytes { buffer in
                Glibc.read(descriptor, buffer.baseAddress! + filled, maxBytes - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                return .failed(errno: errno)
            }
            if count == 0 { break }
            filled += count
        }
        return .text(String(decoding: bytes[0..<filled], as: UTF8.self))
    }

    /// The C library's message for `code` (`strerror`).
    public static func message(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// The symbolic name of the errors a sysfs read typically gives, for logs (`EIO`), else `errno N`.
    public static func errnoName(_ code: Int32) -> String {
        switch code {
        case EIO: return "EIO"
        case ETIMEDOUT: return "ETIMEDOUT"
        case ENOENT: return "ENOENT"
        case EACCES: return "EACCES"
        case EISDIR: return "EISDIR"
        case ENODEV: return "ENODEV"
        case EBUSY: return "EBUSY"
        case EAGAIN: return "EAGAIN"
        case EINVAL: return "EINVAL"
        default: return "errno \(code)"
        }
    }
}
