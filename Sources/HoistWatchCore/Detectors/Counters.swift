/// What maintenance on demand needs (faults.md "Beyond single faults"): sent with status, shown by `diag`.
public struct Counters: Sendable, Hashable {
    /// Completed movements (start to stop).
    public var trips: Int64 = 0
    /// Door openings (door_closed 1 -> 0).
    public var doorCycles: Int64 = 0
    /// Time spent moving, seconds.
    public var runningS: Double = 0
    /// Distance travelled, metres.
    public var travelledM: Double = 0
    /// Limit switch actuations (debounced 0 -> 1 of any limit input).
    public var limitActuations: Int64 = 0
    /// Highest |speed| seen, m/s.
    public var maxSpeedMps: Double = 0
    /// Highest load seen, kg.
    public var maxLoadKg: Double = 0

    /// All counters at zero, as an engine starts.
    public init() {}

    /// Running hours, as maintenance counts them.
    public var runningHours: Double { runningS / 3600 }
}
