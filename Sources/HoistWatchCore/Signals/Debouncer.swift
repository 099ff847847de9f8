/// Debounces one switch input: a level counts once it has been stable for `debounceNs` (faults.md).
public struct Debouncer: Sendable {
    /// The last level seen on the wire, before debouncing.
    public private(set) var rawLevel: UInt8
    /// The debounced level the detectors use.
    public private(set) var level: UInt8
    private var rawChangedAtNs: Int64
    private let debounceNs: Int64

    /// A debouncer whose wire and debounced level both start at `initialLevel` (the trace header's), with a stable time
    /// of `debounceNs`.
    public init(initialLevel: UInt8, debounceNs: Int64) {
        rawLevel = initialLevel
        level = initialLevel
        rawChangedAtNs = 0
        self.debounceNs = debounceNs
    }

    /// A raw level arrived at `tNs`. Returns whether it was a change of the raw level.
    public mutating func observe(_ newLevel: UInt8, atNs tNs: Int64) -> Bool {
        guard newLevel != rawLevel else { return false }
        rawLevel = newLevel
        rawChangedAtNs = tNs
        return true
    }

    /// When a raw change still waiting will be adopted (trace ns); nil when the raw and debounced levels agree.
    public var settlesAtNs: Int64? { rawLevel == level ? nil : rawChangedAtNs + debounceNs }

    /// Adopts the raw level if it has been stable long enough by `nowNs`. Returns the new level when it changed.
    public mutating func settle(atNs nowNs: Int64) -> UInt8? {
        guard rawLevel != level, nowNs - rawChangedAtNs >= debounceNs else { return nil }
        level = rawLevel
        return level
    }
}
