/// What a load cell's reads did since it was opened, for the status payload and `hoistwatch diag`.
public struct LoadCellCounters: Sendable, Hashable {
    /// Samples handed on, good and failed.
    public var samples: Int64 = 0
    /// Of them, failed reads (`raw: null`): what makes `sensor_fault` `adc_failing` after 1 s.
    public var failedSamples: Int64 = 0
    /// Bit-banged reads discarded for a broken datasheet limit (nil for the IIO driver, which does not report them).
    public var discardedReads: Int64?
    /// Chip resets the bit-banged driver issued, PD_SCK held high after a read left the pulse count unknown (nil for
    /// the IIO driver).
    public var resets: Int64?

    /// All counts zero and both bit-bang counts nil: a reader that has not sampled yet, or the IIO driver's.
    public init() {}
}
