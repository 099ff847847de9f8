import CMalloc
import HoistWatchFiles
import HoistWatchConfig

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Gives back the resident pages the agent touched once, at start, and no longer uses.
///
/// RSS counts every page of code and read-only data the process has touched since it started: the argument
/// parser, the TOML reader, Foundation's set-up, calibration and schema checks, the TLS set-up: about half the
/// static binary's resident pages, used once. `trim()` tells the kernel (`madvise(MADV_DONTNEED)`) that the
/// agent no longer needs its mappings of them. Only private, read-only, never-written mappings of files are
/// advised (`ProcessMapping.isTrimmable`): for those the call drops page-table entries of clean pages and
/// nothing else; the page cache keeps the pages, and the next use of a piece of code maps it again with a
/// minor fault (microseconds, no I/O). Then `malloc_trim(0)` returns the heap's free pages. What stays resident
/// is what the agent uses while it runs.
public enum ResidentSetTrim {
    /// What one `trim()` did, for the log line that reports it.
    public struct Outcome: Equatable, Sendable {
        /// Mappings `madvise` accepted.
        public var mappings: Int
        /// Resident kB those mappings held before the call (their `Rss:`): what was given back at most.
        public var advisedKb: Int
        /// `VmRSS` before trimming, kB; nil when `/proc/self/status` could not be read.
        public var rssBeforeKb: Int?
        /// `VmRSS` after `madvise` and `malloc_trim`, kB; nil when `/proc/self/status` could not be read.
        public var rssAfterKb: Int?
    }

    /// Trims this process's mappings; nil when `/proc/self/smaps` cannot be read (then nothing was advised).
    public static func trim() -> Outcome? {
        guard let smaps = readProcFile("/proc/self/smaps") else { return nil }
        let before = residentKb()
        var outcome = Outcome(mappings: 0, advisedKb: 0, rssBeforeKb: before, rssAfterKb: nil)
        for mapping in ProcessMapping.parse(smaps: smaps) where mapping.isTrimmable {
            let address = UnsafeMutableRawPointer(bitPattern: mapping.start)
            if madvise(address, Int(mapping.end - mapping.start), MADV_DONTNEED) == 0 {
                outcome.mappings += 1
                outcome.advisedKb += mapping.rssKb
            }
        }
        _ = malloc_trim(0)
        outcome.rssAfterKb = residentKb()
        return outcome
    }

    /// `VmRSS` of `/proc/self/status`, in kB.
    public static func residentKb() -> Int? {
        guard let status = readProcFile("/proc/self/status") else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
        }
        return nil
    }

    /// A procfs file (read to its end: procfs reports a size of 0); nil when it cannot be read.
    static func readProcFile(_ path: String) -> String? {
        try? TextFile.read(path)
    }
}
