/// Every tunable of faults.md, with the spec's defaults. Calibration's `[thresholds]` overrides them one by one.
public struct Thresholds: Sendable, Hashable {
    public var positionSlipM = 0.10
    public var speedWindowMs = 100.0
    public var movingMps = 0.05
    public var loadMedianSamples = 5
    public var debounceMs = 20.0
    public var overspeedRatio = 1.15
    public var overspeedConfirmMs = 200.0
    public var trappedAfterS = 30.0
    public var trappedAtLandingS = 120.0
    public var outsideZoneStopS = 45.0
    public var overloadRatio = 1.10
    /// faults.md: 1000 ms for elevators, 500 ms for cranes.
    public var overloadConfirmMs: Double
    public var doorMovingConfirmMs = 100.0
    public var overtravelM = 0.20
    public var limitActuateM = 0.10
    public var limitStuckM = 0.50
    public var occupancyHoldS = 10.0
    public var prerollS = 10.0
    public var prewarnRatio = 0.90
    public var doubleLimitSkewMs = 500.0
    public var windLimitMps = 20.0

    /// The spec's defaults for `equipment`.
    public init(defaultsFor equipment: Equipment) {
        overloadConfirmMs = equipment == .elevator ? 1000 : 500
    }

    /// The `[thresholds]` keys, in the order they are documented.
    public static let keys: [String] = [
        "position_slip_m", "speed_window_ms", "moving_mps", "load_median_samples", "debounce_ms",
        "overspeed_ratio", "overspeed_confirm_ms", "trapped_after_s", "trapped_at_landing_s",
        "outside_zone_stop_s", "overload_ratio", "overload_confirm_ms", "door_moving_confirm_ms",
        "overtravel_m", "limit_actuate_m", "limit_stuck_m", "occupancy_hold_s", "preroll_s",
        "prewarn_ratio", "double_limit_skew_ms", "wind_limit_mps",
    ]
}
