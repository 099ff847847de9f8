import HoistWatchCore
import HoistWatchSystem

/// The HX711 through the kernel's IIO driver (`[hx711] mode = "iio"`, `HX711IIOReader`) as a load-cell sampler:
/// each read blocks until the driver has clocked a conversion out, and the sample is stamped when the read returns
/// (the conversion is at most a few milliseconds old then), on CLOCK_MONOTONIC like the GPIO edges.
final class HX711IIOLoadCell: LoadCellSampler {
    private let reader: HX711IIOReader
    private let clock: () -> Int64
    private(set) var counters = LoadCellCounters()
    private var failureReason: String?

    /// Reads `reader`'s channel, stamping with `clock` (CLOCK_MONOTONIC on a board).
    init(reader: HX711IIOReader, clock: @escaping () -> Int64 = SystemClock.monotonicNs) {
        self.reader = reader
        self.clock = clock
    }

    func sample() -> InputEvent {
        let reading = reader.read()
        let tNs = clock()
        counters.samples += 1
        switch reading {
        case .raw(let raw):
            return .sample(.load, raw: raw, atNs: tNs)
        case .failed(let failure):
            counters.failedSamples += 1
            failureReason = "\(reader.device)/\(reader.channel): \(failure)"
            return .sample(.load, raw: nil, atNs: tNs)
        }
    }

    func takeFailureReason() -> String? {
        defer { failureReason = nil }
        return failureReason
    }
}
