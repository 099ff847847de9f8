/// When the HX711's next conversion can be expected, from the moments DOUT was seen low before: the chip converts at
/// a fixed rate (10 SPS, or 80 SPS with RATE high; its oscillator drifts a few percent at most), so once two
/// conversions were seen the reader can sleep through most of the period instead of polling DOUT every millisecond
/// (issue 16: about 1,000 wake-ups a second for the load cell alone). Polling starts at 95 % of the shortest
/// interval seen, less 2 ms, so a conversion is still seen within one poll of its start: at 10 SPS about 7 polls a
/// conversion instead of 100.
///
/// Pure: the caller gives the times (`HX711BitBang` on the monotonic clock). Forgotten after a reset, a read that
/// found no conversion, or a gap that means conversions were missed: the reader then polls again until it has a
/// fresh pair.
public struct HX711ConversionPacing: Sendable, Equatable {
    /// Intervals kept (the shortest of them is the period estimate).
    public static let window = 8
    /// An interval outside this range is not one conversion period (80 SPS is 12.5 ms, 10 SPS 100 ms): ignored.
    public static let plausiblePeriodNs: ClosedRange<Int64> = 8_000_000...130_000_000
    /// Polling starts this long before 95 % of the period: covers the poll that saw DOUT low being up to one
    /// poll (1 ms) late.
    public static let pollLeadNs: Int64 = 2_000_000

    private var lastReadyNs: Int64?
    private var intervals: [Int64] = []

    /// No conversion seen yet: poll.
    public init() {}

    /// A conversion was seen ready (DOUT low) at `atNs`.
    public mutating func noteReady(atNs: Int64) {
        if let lastReadyNs {
            let interval = atNs - lastReadyNs
            if Self.plausiblePeriodNs.contains(interval) {
                intervals.append(interval)
                if intervals.count > Self.window { intervals.removeFirst() }
            }
        }
        lastReadyNs = atNs
    }

    /// The chip was reset, or did not answer: its cadence starts anew.
    public mutating func forget() {
        lastReadyNs = nil
        intervals.removeAll()
    }

    /// The period the pacing assumes: the shortest interval seen; nil before the first one.
    public var periodNs: Int64? { intervals.min() }

    /// Until when DOUT need not be polled: 95 % of the period after the last conversion, less `pollLeadNs`; nil
    /// when nothing is known (poll now).
    public var quietUntilNs: Int64? {
        guard let lastReadyNs, let periodNs else { return nil }
        let quietNs = periodNs - periodNs / 20 - Self.pollLeadNs
        return quietNs > 0 ? lastReadyNs + quietNs : nil
    }
}
