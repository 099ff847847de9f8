/// Where the events of one detection run sit on the board's clocks: run time (the engine's input time, from 0 at
/// the run's start) to CLOCK_MONOTONIC (`mono_ns`) and to wall time (`time`).
///
/// The shell that owns the engine sets it (and updates `wallMinusMonoNs` and `timeSynced` as it reads the system
/// clocks), so every event gets its final clocks when the engine makes it, in one place. In `replay` it maps trace
/// time to itself and to the Unix epoch (or the header's `start_time`).
public struct EventClock: Sendable, Hashable {
    /// CLOCK_MONOTONIC at board time 0, in nanoseconds.
    public var originMonoNs: Int64
    /// Board time, in nanoseconds, at which this run's time 0 is (a looping simulated board starts runs later).
    public var runStartNs: Int64
    /// Board seconds per wall-clock second (a simulated board may run faster than real time; a real one is 1).
    public var timeScale: Double
    /// Wall time minus monotonic time, in nanoseconds, as last read from the system clocks.
    public var wallMinusMonoNs: Int64
    /// Whether the wall clock was synchronised when `wallMinusMonoNs` was read.
    public var timeSynced: Bool

    /// A clock mapping; the defaults are replay's: trace time is monotonic time, wall time is the epoch plus it.
    public init(
        originMonoNs: Int64 = 0, runStartNs: Int64 = 0, timeScale: Double = 1, wallMinusMonoNs: Int64 = 0,
        timeSynced: Bool = false
    ) {
        self.originMonoNs = originMonoNs
        self.runStartNs = runStartNs
        self.timeScale = timeScale
        self.wallMinusMonoNs = wallMinusMonoNs
        self.timeSynced = timeSynced
    }

    /// CLOCK_MONOTONIC of run time `runNs`. A real board's scale (1) is computed in integers: a Double holds
    /// nanoseconds exactly only up to 2^53 (104 days of uptime). Times beyond an Int64 (a replayed trace's `t_ns`
    /// near 9.2e18, plus an offset) saturate at its ends rather than trap.
    public func monoNs(runNs: Int64) -> Int64 {
        let boardNs = Self.saturatingSum(runStartNs, runNs)
        let scaled = timeScale == 1 ? boardNs : Self.clamped(Double(boardNs) / timeScale)
        return Self.saturatingSum(originMonoNs, scaled)
    }

    /// Wall time (nanoseconds since the Unix epoch) of monotonic time `monoNs`, saturating as `monoNs(runNs:)`.
    public func wallNs(monoNs: Int64) -> Int64 { Self.saturatingSum(monoNs, wallMinusMonoNs) }

    static func saturatingSum(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : sum
    }

    static func clamped(_ value: Double) -> Int64 {
        if value.isNaN { return 0 }
        if value >= 9.223_372_036_854_775_807e18 { return .max }
        if value <= -9.223_372_036_854_775_808e18 { return .min }
        return Int64(value)
    }
}
