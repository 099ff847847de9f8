import HoistWatchCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A GPIO operation that failed: the libgpiod function, the chip and line it was about, the `errno` it left and
/// `strerror`'s text for it, plus what to check. Not an `InputError`: the profile may be right and the machine wrong
/// (no chip, no permission, a line held by another program); `hoistwatch record` exits 1 on these.
public struct GpioError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure. A struct over a private enum, so new codes break nobody.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case chipMissing, permissionDenied, lineBusy, invalidLine, io, libraryMissing
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// No chip with that label or path on this machine (ENOENT, ENODEV, ENOTTY).
        public static let chipMissing = Code(.chipMissing)
        /// The user may not open the chip (EACCES, EPERM): not in the `gpio` group.
        public static let permissionDenied = Code(.permissionDenied)
        /// Another consumer holds the line (EBUSY): a device-tree overlay, gpioset, another agent.
        public static let lineBusy = Code(.lineBusy)
        /// The offset or the request is not valid for the chip (EINVAL, or an offset beyond the chip).
        public static let invalidLine = Code(.invalidLine)
        /// Anything else, usually an I/O failure while running.
        public static let io = Code(.io)
        /// libgpiod itself cannot be loaded (`dlopen`/`dlsym`): neither libgpiod.so.3 (v2) nor libgpiod.so.2 (v1)
        /// is installed, or it lacks a function HoistWatch calls.
        public static let libraryMissing = Code(.libraryMissing)

        /// The code's name (`chipNotFound`, `busy`, ...).
        public var description: String { base.rawValue }

        /// The code for an `errno` left by a libgpiod function.
        static func from(errno value: Int32) -> Code {
            switch value {
            case ENOENT, ENODEV, ENOTTY, ENXIO: return .chipMissing
            case EACCES, EPERM: return .permissionDenied
            case EBUSY: return .lineBusy
            case EINVAL: return .invalidLine
            default: return .io
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// The libgpiod function that failed (`gpiod_chip_open_by_label`), or `dlopen`/`dlsym` loading it.
    public var function: String
    /// What it was about: `chip "pinctrl-bcm2711" line 17 (enc_a)`.
    public var subject: String
    /// The `errno` the function left (0 when the failure was found by HoistWatch itself).
    public var errnoValue: Int32
    /// `strerror(errnoValue)`, or HoistWatch's own sentence.
    public var message: String

    /// An error with an explicit message (a failure libgpiod does not report through errno).
    public init(_ code: Code, function: String, subject: String, errnoValue: Int32 = 0, message: String) {
        self.code = code
        self.function = function
        self.subject = subject
        self.errnoValue = errnoValue
        self.message = message
    }

    /// The one place a libgpiod failure becomes an error: call right after the function, while `errno` is its own.
    static func fromErrno(_ function: String, subject: String, errnoValue: Int32 = errno) -> GpioError {
        GpioError(Code.from(errno: errnoValue), function: function, subject: subject, errnoValue: errnoValue,
                  message: String(cString: strerror(errnoValue)))
    }

    /// What to check, for the codes where there is a usual cause.
    public var hint: String? {
        switch code {
        case .chipMissing:
            return "is this the right board profile? `gpiodetect` lists the chips and their labels"
        case .permissionDenied:
            return "the user needs read-write access to /dev/gpiochip*: add it to the gpio group"
        case .lineBusy:
            return "another program or a device-tree overlay holds the line: `gpioinfo` shows its consumer"
        case .libraryMissing:
            return "install libgpiod: `apt-get install libgpiod3` on Debian or Raspberry Pi OS trixie, "
                + "`libgpiod2` on bookworm"
        default:
            return nil
        }
    }

    /// The sentence for a human: what failed, the C function and its message, the errno, and what to check.
    public var description: String {
        var text = "\(subject): \(function) failed: \(message)"
        if errnoValue != 0 { text += " (errno \(errnoValue))" }
        if let hint { text += "; \(hint)" }
        return text
    }
}
