/// Remembers the last `capacity` occurrence times of something, to ask "more than N in the last window?" in O(1).
///
/// Used for chatter (more than 20 changes in 1 s) and encoder errors (more than 10 in 1 s).
public struct RecentTimes: Sendable {
    private var times: [Int64]
    private var next = 0
    private var stored = 0

    /// Keeps the last `capacity` times; `capacity` is the threshold plus one.
    public init(capacity: Int) { times = Array(repeating: 0, count: capacity) }

    /// Records one occurrence.
    public mutating func record(atNs tNs: Int64) {
        times[next] = tNs
        next = (next + 1) % times.count
        if stored < times.count { stored += 1 }
    }

    /// Whether all `capacity` remembered occurrences fall inside (nowNs - windowNs, nowNs].
    public func isFull(withinNs windowNs: Int64, atNs nowNs: Int64) -> Bool {
        guard stored == times.count else { return false }
        return nowNs - times[next] < windowNs
    }

    /// When `isFull(withinNs:atNs:)` stops being true with no new occurrence: the oldest time plus the window;
    /// nil when not full.
    public func fullUntilNs(withinNs windowNs: Int64) -> Int64? {
        guard stored == times.count else { return nil }
        return times[next] + windowNs
    }

    /// When `count(withinNs:atNs:)` next falls with no new occurrence: the oldest remembered time still counted at
    /// `nowNs`, plus the window; nil when none is counted.
    public func nextExpiryNs(withinNs windowNs: Int64, atNs nowNs: Int64) -> Int64? {
        var earliest: Int64?
        for index in 0..<stored where nowNs - times[index] < windowNs {
            earliest = min(earliest ?? .max, times[index] + windowNs)
        }
        return earliest
    }

    /// How many remembered occurrences fall inside (nowNs - windowNs, nowNs] (at most `capacity`).
    public func count(withinNs windowNs: Int64, atNs nowNs: Int64) -> Int {
        var result = 0
        for index in 0..<stored where nowNs - times[index] < windowNs { result += 1 }
        return result
    }
}
