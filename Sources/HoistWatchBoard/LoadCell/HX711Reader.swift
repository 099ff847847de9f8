import HoistWatchCore

/// The retry policy of the bit-banged HX711: after each read attempt, keep the sample, discard the read and read
/// the next conversion, or give up and report a failed sample (`raw: null`).
///
/// User-space bit-banging can be preempted in the middle of a pulse, so every read is checked against the
/// datasheet's limits and a read that broke one is retried up to `maxRetries` times. Pure: the caller reads the
/// chip (`HX711BitBang`) and carries out the action.
public struct HX711Reader: Sendable {
    /// What one attempt to read a conversion produced.
    public enum Attempt: Sendable, Hashable {
        /// DOUT did not go low within the wait: no conversion came (chip unpowered or not wired, DOUT stuck high).
        case notReady
        /// A conversion was clocked out; its timing says whether it can be trusted.
        case read(HX711Read)
    }

    /// What the caller does next.
    public enum Action: Sendable, Hashable {
        /// The sample is finished: a reading, or a failed read (`raw: null`).
        case emit(InputEvent)
        /// Discard this read and read the next conversion: DOUT goes low again within one conversion period
        /// (100 ms at 10 SPS), or after the settling time (400 ms) when the chip powered down.
        case retry(HX711ReadViolation)
    }

    /// The ADC channel the samples are for.
    public let channel: AdcChannel
    /// The input and gain every read selects (channel A, gain 128 for the load cell).
    public let input: HX711Input
    /// How many discarded reads are retried for one sample before it is reported as failed.
    public let maxRetries: Int
    /// What happened so far, for the status payload and diagnostics.
    public private(set) var counters = HX711ReadCounters()
    /// Reads already discarded for the sample being read.
    private var retriesUsed = 0

    /// A policy for `channel` allowing `maxRetries` retries per sample (each costs one conversion period).
    public init(channel: AdcChannel = .load, input: HX711Input = .channelAGain128, maxRetries: Int = 3) {
        precondition(maxRetries >= 0, "maxRetries must not be negative")
        self.channel = channel
        self.input = input
        self.maxRetries = maxRetries
    }

    /// An attempt finished; `tNs` is the sample's time (when DOUT was seen low, or when the wait gave up).
    ///
    /// A saturated frame (0x800000, 0x7FFFFF) and a chip that is not ready give a failed sample at once: they are
    /// the chip's honest answer, and a retry would only delay the sample by a conversion period.
    public mutating func finished(_ attempt: Attempt, atNs tNs: Int64) -> Action {
        switch attempt {
        case .notReady:
            counters.notReady += 1
            return emit(raw: nil, atNs: tNs)
        case .read(let read):
            if let violation = read.violation(for: input) {
                counters.discardedReads += 1
                if case .poweredDown = violation { counters.powerDowns += 1 }
                guard retriesUsed < maxRetries else { return emit(raw: nil, atNs: tNs) }
                retriesUsed += 1
                counters.retries += 1
                return .retry(violation)
            }
            // A read without violations clocked exactly `input.pulses` >= 24 levels, so the frame exists.
            let frame = read.frame!
            if frame.isSaturated { counters.saturated += 1 }
            return emit(raw: frame.raw, atNs: tNs)
        }
    }

    private mutating func emit(raw: Int32?, atNs tNs: Int64) -> Action {
        retriesUsed = 0
        counters.samples += 1
        if raw == nil { counters.failedSamples += 1 }
        return .emit(.sample(channel, raw: raw, atNs: tNs))
    }
}

/// Counts kept by `HX711Reader` since it was created.
public struct HX711ReadCounters: Sendable, Hashable {
    /// Samples emitted, good and failed.
    public var samples = 0
    /// Samples emitted as failed reads (`raw: null`).
    public var failedSamples = 0
    /// Reads discarded for a timing or protocol violation.
    public var discardedReads = 0
    /// Discarded reads that were retried.
    public var retries = 0
    /// Discarded reads during which the chip may have powered down (clock high over 60 µs).
    public var powerDowns = 0
    /// Frames at the saturation codes (input out of range).
    public var saturated = 0
    /// Waits in which DOUT never went low.
    public var notReady = 0

    /// All zero.
    public init() {}
}
