/// What a load cell's reads did since it was opened, for the status payload and `hoistwatch diag`.
public struct LoadCellCounters: Sendable, Hashable {
    /// Samples handed on, good and failed.
    public var samples: Int64 = 0
    /// Of them, failed reads (`raw: null`): what makes `sensor_fault` `adc_failing` after 1 s.
    public var failedSamples: Int64 = 0
    /// Bit-banged reads discarded for a broken datasheet limit, and chip resets (nil for the IIO driver).
    public var discardedReads: Int64?
    public var resets: Int64?

    public init() {}
}
