import HoistWatchCore

extension Thresholds {
    private static var writable: [String: WritableKeyPath<Thresholds, Double>] {
        [
            "position_slip_m": \.positionSlipM, "speed_window_ms": \.speedWindowMs, "moving_mps": \.movingMps,
            "debounce_ms": \.debounceMs, "overspeed_ratio": \.overspeedRatio,
            "overspeed_confirm_ms": \.overspeedConfirmMs, "trapped_after_s": \.trappedAfterS,
            "trapped_at_landing_s": \.trappedAtLandingS, "outside_zone_stop_s": \.outsideZoneStopS,
            "overload_ratio": \.overloadRatio, "overload_confirm_ms": \.overloadConfirmMs,
            "door_moving_confirm_ms": \.doorMovingConfirmMs, "overtravel_m": \.overtravelM,
            "limit_actuate_m": \.limitActuateM, "limit_stuck_m": \.limitStuckM,
            "occupancy_hold_s": \.occupancyHoldS, "preroll_s": \.prerollS, "prewarn_ratio": \.prewarnRatio,
            "double_limit_skew_ms": \.doubleLimitSkewMs, "wind_limit_mps": \.windLimitMps,
        ]
    }

    /// Reads the overrides of a `[thresholds]` table and checks each is possible.
    mutating func apply(_ section: TOMLSection) throws(InputError) {
        if let samples = try section.optionalInt("load_median_samples") {
            guard (1...99).contains(samples) else {
                throw InputError(
                    .invalidValue, key: section.keyPath("load_median_samples"), "must be 1 to 99, got \(samples)")
            }
            loadMedianSamples = samples
        }
        for key in Self.keys where key != "load_median_samples" {
            guard let value = try section.optionalDouble(key), let path = Self.writable[key] else { continue }
            guard value > 0 else {
                throw InputError(.invalidValue, key: section.keyPath(key), "must be greater than 0, got \(value)")
            }
            self[keyPath: path] = value
        }
        try section.rejectUnknownKeys()
        try validate(section)
    }

    private func validate(_ section: TOMLSection) throws(InputError) {
        if overspeedRatio <= 1 {
            throw InputError(
                .invalidValue, key: section.keyPath("overspeed_ratio"), "must be above 1 (a fraction over rated speed)")
        }
        if overloadRatio <= 1 {
            throw InputError(
                .invalidValue, key: section.keyPath("overload_ratio"), "must be above 1 (a fraction over rated load)")
        }
        if prewarnRatio >= overloadRatio {
            throw InputError(.invalidValue, key: section.keyPath("prewarn_ratio"), "must be below overload_ratio")
        }
        if speedWindowMs < 10 || speedWindowMs > 5000 {
            throw InputError(.invalidValue, key: section.keyPath("speed_window_ms"), "must be 10 to 5000 ms")
        }
        if prerollS > 60 {
            throw InputError(.invalidValue, key: section.keyPath("preroll_s"), "must be at most 60 s")
        }
    }
}
