import CMosquitto

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed libmosquitto call or a lost connection: the `MOSQ_ERR_*` code and libmosquitto's message for it.
public struct MosquittoError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The `MOSQ_ERR_*` code.
    public let code: Int32
    /// `mosquitto_strerror(code)`, or `strerror(errno)` for `MOSQ_ERR_ERRNO`.
    public let message: String
    /// The libmosquitto function or the situation ("mosquitto_connect_async", "connection lost").
    public let operation: String

    /// Makes an error for `code`; call right after the failing function so `errno` is still its own.
    init(code: Int32, operation: String, errnoValue: Int32 = errno) {
        self.code = code
        self.operation = operation
        if code == Int32(MOSQ_ERR_ERRNO.rawValue) {
            message = String(cString: strerror(errnoValue))
        } else {
            message = String(cString: mosquitto_strerror(code))
        }
    }

    /// An error with a message of our own (for things libmosquitto reports as a bare NULL).
    init(code: Int32, operation: String, message: String) {
        self.code = code
        self.operation = operation
        self.message = message
    }

    /// The function, libmosquitto's message and the code.
    public var description: String { "\(operation): \(message) (mosquitto error \(code))" }
}

/// The one place libmosquitto return codes become errors: `MOSQ_ERR_SUCCESS` passes, anything else throws
/// with libmosquitto's message.
func checkMosquitto(_ rc: Int32, _ operation: @autoclosure () -> String) throws(MosquittoError) {
    guard rc != Int32(MOSQ_ERR_SUCCESS.rawValue) else { return }
    let savedErrno = errno
    throw MosquittoError(code: rc, operation: operation(), errnoValue: savedErrno)
}
