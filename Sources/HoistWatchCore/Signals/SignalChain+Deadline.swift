extension SignalChain {
    /// The earliest trace time after the last tick at which a signal would change with no new input (a debounce
    /// settling, the speed window sliding, the rest that re-references the position, the occupancy hold, a failed
    /// ADC read reaching 1 s, a chatter, encoder-error or lost-edge window emptying, a wind bucket leaving its
    /// window); nil when every signal stays as it is until the next input. Times at or before the last tick are past
    /// and not reported. The engine's wake-up deadline is built on it (`DetectionEngine.nextDeadlineNs`).
    public var nextChangeNs: Int64? {
        var earliest = Int64.max
        func consider(_ candidate: Int64?) {
            if let candidate, candidate > nowNs, candidate < earliest { earliest = candidate }
        }
        for input in calibration.equipment.digitalInputs where !input.isCounter {
            let slot = Int(input.rawValue)
            consider(debouncers[slot]?.settlesAtNs)
            consider(chatter[slot]?.fullUntilNs(withinNs: Self.secondNs))
        }
        // While the position moved within the speed window the estimate changes every tick (and so may moving,
        // rest, trips and every speed condition): the next tick.
        if slipCorrectionM != nil || !speedIsSteady { consider(nowNs + 1) }
        if calibration.equipment == .elevator, !referencedThisRest, calibration.isWired(.doorZone, .encA),
            level(.doorZone) == 1, let since = restingSinceNs
        {
            consider(since + 200_000_000)
        }
        if let dropped = occupancyDroppedAtNs, level(.doorClosed) == 1 {
            consider(dropped + Int64((thresholds.occupancyHoldS * 1e9).rounded(.up)))
        }
        consider(load.failingSinceNs.map { $0 + Self.secondNs })
        consider(encoderErrors.fullUntilNs(withinNs: Self.secondNs))
        consider(inputLossTimes.nextExpiryNs(withinNs: Self.inputLossWindowNs, atNs: nowNs))
        consider(wind.nextChangeNs)
        return earliest == .max ? nil : earliest
    }
}
