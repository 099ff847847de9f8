import HoistWatchCore

/// A load cell read one sample at a time: the HX711 through the kernel's IIO driver or bit-banged over GPIO
/// (docs/hx711.md). `LoadCellThread` calls it in a loop on a thread of its own.
public protocol LoadCellSampler: AnyObject {
    /// Reads one sample of the load channel, stamped on CLOCK_MONOTONIC (the clock of the GPIO edges). Blocks
    /// until the chip has a conversion (about 100 ms at 10 SPS), or gives up: a failed sample (`raw: null`).
    func sample() -> InputEvent
    /// What the reads did so far.
    var counters: LoadCellCounters { get }
    /// Why the last failed sample failed, for the log (once: the next call says nil until another failure).
    func takeFailureReason() -> String?
}
