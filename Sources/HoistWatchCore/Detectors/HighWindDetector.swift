/// `high_wind` (warning, crane): wind averaged over 10 s above `wind_limit_mps`; cleared when the 60 s average is
/// at or below 0.8 x the limit.
///
/// faults.md taken literally would clear at once after most raises: when a gust follows calm air, the 60 s average
/// is still low when the 10 s average first crosses the limit. So the clear is only considered once 60 s have
/// passed since the raise, making the 60 s window wholly post-raise (see docs/decisions.md).
public struct HighWindDetector: Sendable {
    private var raisedAtNs: Int64?
    private let limitMps: Double
    /// The tick of the last raise or clear, until the next evaluation.
    private var transitionedAtNs: Int64?

    /// A detector with the calibration's `wind_limit_mps`.
    public init(calibration: Calibration) { limitMps = calibration.thresholds.windLimitMps }

    /// Evaluates this tick's signals (the engine calls it every 10 ms of trace time) and returns the transition that
    /// happens now, if any, with the data that explains it.
    public mutating func evaluate(_ signals: SignalChain) -> DetectorAction {
        let action = step(signals)
        transitionedAtNs = action == .none ? nil : signals.nowNs
        return action
    }

    /// When this detector could next change with the wind as it is: 60 s after a raise (the clear is considered
    /// from then), or the tick after a transition; trace ns. The wind's own changes are the signal chain's deadline.
    var deadlineNs: Int64? {
        if let transitionedAtNs { return transitionedAtNs + 1 }
        return raisedAtNs.map { $0 + 60_000_000_000 }
    }

    private mutating func step(_ signals: SignalChain) -> DetectorAction {
        let now = signals.nowNs
        if let raisedAt = raisedAtNs {
            guard now - raisedAt >= 60_000_000_000, signals.wind60sMps <= 0.8 * limitMps else { return .none }
            raisedAtNs = nil
            return .clear(data(signals))
        }
        guard signals.wind10sMps > limitMps else { return .none }
        raisedAtNs = now
        return .raise(data(signals))
    }

    private func data(_ signals: SignalChain) -> EventData {
        var data = EventData()
        data.set("wind_10s_mps", signals.wind10sMps, decimals: 2)
        data.set("wind_60s_mps", signals.wind60sMps, decimals: 2)
        data.set("wind_limit_mps", .number(limitMps))
        return data
    }
}
