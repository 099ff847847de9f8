import CWake

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A sleep another thread can cut short: the detection loop sleeps until its next deadline, which may be seconds
/// away, and a stop request must not wait for it; the MQTT network loop sleeps in the same way while it watches its
/// sockets (`wait(untilMonotonicNs:polling:)`). An `eventfd(2)` counter: a wait is a `ppoll(2)` on it with the time
/// left to the deadline, `signal()` writes to it from any thread.
public final class WakeSignal: Sendable {
    private let descriptor: Int32

    /// A signal not raised yet. Traps when the kernel gives no eventfd (out of descriptors at start: nothing could
    /// run anyway).
    public init() {
        descriptor = eventfd(0, Int32(EFD_CLOEXEC) | Int32(EFD_NONBLOCK))
        precondition(descriptor >= 0, "eventfd failed: errno \(errno)")
    }

    deinit { close(descriptor) }

    /// Wakes the thread in `wait`, or makes its next `wait` return at once (calls `write(2)` on the eventfd).
    public func signal() {
        var one: UInt64 = 1
        while write(descriptor, &one, 8) < 0 && errno == EINTR {}
    }

    /// The eventfd, for a thread that waits on it together with descriptors of its own (the GPIO reader's
    /// `ppoll` on its lines); it then calls `consume()` when it is readable.
    public var readableDescriptor: Int32 { descriptor }

    /// Takes a pending signal without waiting; true when there was one.
    @discardableResult
    public func consume() -> Bool {
        var count: UInt64 = 0
        return read(descriptor, &count, 8) == 8
    }

    /// Sleeps until CLOCK_MONOTONIC reaches `deadlineNs` or `signal()` is called (then the signal is consumed).
    /// Returns true when signalled.
    @discardableResult
    public func wait(untilMonotonicNs deadlineNs: Int64) -> Bool {
        while true {
            let leftNs = deadlineNs - SystemClock.monotonicNs()
            let waitNs = max(0, leftNs)
            var timeout = timespec(tv_sec: Int(waitNs / 1_000_000_000), tv_nsec: Int(waitNs % 1_000_000_000))
            let ready = hw_wait_readable(descriptor, &timeout)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return false }
            var count: UInt64 = 0
            _ = read(descriptor, &count, 8)
            return true
        }
    }

    /// Sleeps until CLOCK_MONOTONIC reaches `deadlineNs` (nil: no limit), `signal()` is called (then the signal is
    /// consumed), or one of `entries` is ready for what its `events` ask; fills in every entry's `revents`. Entry 0
    /// is the signal's own: this sets it. Returns true when signalled.
    ///
    /// - Returns: nil when ppoll(2) fails other than by EINTR (then `errno` says why: EINVAL for more entries than
    ///   RLIMIT_NOFILE allows, ENOMEM).
    public func wait(untilMonotonicNs deadlineNs: Int64?, polling entries: inout [pollfd]) -> Bool? {
        precondition(!entries.isEmpty, "entry 0 is the wake signal's")
        entries[0] = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        while true {
            var ready: Int32
            if let deadlineNs {
                let waitNs = max(0, deadlineNs - SystemClock.monotonicNs())
                var timeout = timespec(tv_sec: Int(waitNs / 1_000_000_000), tv_nsec: Int(waitNs % 1_000_000_000))
                ready = hw_poll(&entries, nfds_t(entries.count), &timeout)
            } else {
                ready = hw_poll(&entries, nfds_t(entries.count), nil)
            }
            if ready < 0 && errno == EINTR { continue }
            guard ready >= 0 else { return nil }
            guard entries[0].revents & Int16(POLLIN) != 0 else { return false }
            var count: UInt64 = 0
            _ = read(descriptor, &count, 8)
            return true
        }
    }
}
