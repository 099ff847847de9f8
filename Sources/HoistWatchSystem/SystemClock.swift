import CTimex

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The board's clocks, read in one place: CLOCK_MONOTONIC for `mono_ns`, CLOCK_REALTIME for `time`, the kernel's
/// boot id, and whether the kernel believes the wall clock is synchronised.
public enum SystemClock {
    /// Nanoseconds of CLOCK_MONOTONIC (since boot, never steps).
    public static func monotonicNs() -> Int64 { read(CLOCK_MONOTONIC) }

    /// Nanoseconds of CLOCK_REALTIME since the Unix epoch (may step when NTP syncs).
    public static func realtimeNs() -> Int64 { read(CLOCK_REALTIME) }

    /// The kernel's id of this boot (`/proc/sys/kernel/random/boot_id`); `mono_ns` is only comparable within it.
    public static func bootId() -> String {
        guard let file = fopen("/proc/sys/kernel/random/boot_id", "r") else { return "unknown-boot" }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 64)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return "unknown-boot" }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.trimmingNewline
    }

    /// True unless the kernel reports the clock unsynchronised (`adjtimex` returns TIME_ERROR, which it does
    /// while no NTP daemon has disciplined the clock since boot: boards without an RTC boot in 1970).
    public static func isSynchronised() -> Bool {
        var info = timex()
        return adjtimex(&info) != TIME_ERROR
    }

    /// Sleeps until CLOCK_MONOTONIC reaches `deadlineNs` (absolute, so the loop does not drift).
    public static func sleep(untilMonotonicNs deadlineNs: Int64) {
        var spec = timespec(tv_sec: Int(deadlineNs / 1_000_000_000), tv_nsec: Int(deadlineNs % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &spec, nil) == EINTR {}
    }

    private static func read(_ clock: clockid_t) -> Int64 {
        var spec = timespec()
        clock_gettime(clock, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}

extension String {
    fileprivate var trimmingNewline: String {
        var text = self
        while let last = text.last, last == "\n" || last == "\r" || last == " " { text.removeLast() }
        return text
    }
}
