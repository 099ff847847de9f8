import CWake

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The fake kernel's event descriptor of a v1 line (`gpiod_line_event_get_fd`) or a v2 request
/// (`gpiod_line_request_get_fd`): a real eventfd that is readable exactly while the FIFO behind it holds events, so
/// a program may `ppoll` it as it would the kernel's. Its board keeps it in step (`FakeGpioBoard.syncDescriptors`)
/// whenever events reach the FIFO or are read; a paced board's FIFO fills when its clock passes an edge, which is
/// when something calls in or waits through the fake `poll`. Used inside its board's lock.
final class FakeDescriptor {
    /// The eventfd.
    let fd: Int32
    /// Whether the eventfd holds a count now.
    private(set) var readable = false

    /// A new eventfd, not readable. Traps when the process is out of descriptors (a test cannot go on then).
    init() {
        fd = eventfd(0, Int32(EFD_CLOEXEC) | Int32(EFD_NONBLOCK))
        precondition(fd >= 0, "eventfd failed: errno \(errno)")
    }

    deinit { close(fd) }

    /// Makes the eventfd readable (`ready`) or not, as the FIFO is.
    func set(_ ready: Bool) {
        guard ready != readable else { return }
        var count: UInt64 = 1
        if ready {
            _ = write(fd, &count, 8)
        } else {
            _ = read(fd, &count, 8)
        }
        readable = ready
    }
}
