import CGpiod

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The wait on descriptors both libgpiod versions share: the lines' (or requests') event descriptors and one
/// wake-up, in one `ppoll` through the function table's `poll`.
enum GpiodDescriptorWait {
    /// Waits up to `timeoutNs` (negative: no limit) on `descriptors` and `wakeDescriptor`; throws naming
    /// `subject` when ppoll fails other than by a signal.
    static func wait(
        poll: hw_poll_ns_fn, descriptors: [Int32], wakeDescriptor: Int32, timeoutNs: Int64, subject: String
    ) throws(GpioError) -> GpioWaitResult {
        var entries = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        entries.append(pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0))
        let rc = entries.withUnsafeMutableBufferPointer { buffer in
            poll(buffer.baseAddress, UInt(buffer.count), timeoutNs)
        }
        if rc < 0 {
            let saved = errno
            guard saved == EINTR else { throw GpioError.fromErrno("ppoll", subject: subject, errnoValue: saved) }
            return .timedOut
        }
        if rc == 0 { return .timedOut }
        let ready = Int16(POLLIN | POLLERR | POLLHUP)
        if entries.dropLast().contains(where: { $0.revents & ready != 0 }) { return .edges }
        return .woken
    }
}
