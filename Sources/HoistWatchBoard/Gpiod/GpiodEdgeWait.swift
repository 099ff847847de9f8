#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// How far a reader's input is complete after one wait for edges, the same rule for libgpiod v1
/// (`gpiod_line_event_wait_bulk`) and v2 (`gpiod_line_request_wait_edge_events`).
enum GpiodEdgeWait {
    /// The wait began at `beforeNs` (the chip's clock) and could last `waitNs`; it returned `rc` with `errnoValue`.
    /// True when lines are ready to be read: what they hold is complete up to `beforeNs` (lines not ready were empty
    /// when the wait returned, which is after it). False when there is nothing to read: a signal cut the wait
    /// short (nothing is known beyond its start) or nothing came for the whole wait (complete up to its end).
    /// `completeUntilNs` is lowered to what the wait showed. Any other failure throws, naming `function`.
    static func linesReady(
        rc: Int32, errnoValue: Int32, function: String, subject: String, beforeNs: Int64, waitNs: Int64,
        completeUntilNs: inout Int64
    ) throws(GpioError) -> Bool {
        if rc < 0 {
            guard errnoValue == EINTR else {
                throw GpioError.fromErrno(function, subject: subject, errnoValue: errnoValue)
            }
            completeUntilNs = min(completeUntilNs, beforeNs)
            return false
        }
        if rc == 0 {
            completeUntilNs = min(completeUntilNs, beforeNs + waitNs)
            return false
        }
        completeUntilNs = min(completeUntilNs, beforeNs)
        return true
    }
}
