/// Every tunable of faults.md, with the spec's defaults. Calibration's `[thresholds]` overrides them one by one.
public struct Thresholds: Sendable, Hashable {
    /// `position_slip_m`: a re-referencing correction larger than this, m, is an encoder slip (`sensor_fault`).
    public var positionSlipM = 0.10
    /// `speed_window_ms`: the sliding window speed is measured over, ms.
    public var speedWindowMs = 100.0
    /// `moving_mps`: the |speed| above which the car or hook counts as moving, m/s.
    public var movingMps = 0.05
    /// `load_median_samples`: how many load samples the median filter takes.
    public var loadMedianSamples = 5
    /// `debounce_ms`: how long a switch input must be stable before its new level counts, ms.
    public var debounceMs = 20.0
    /// `overspeed_ratio`: `overspeed` is raised above this multiple of the rated speed.
    public var overspeedRatio = 1.15
    /// `overspeed_confirm_ms`: how long the speed must stay above the limit before `overspeed` is raised, ms.
    public var overspeedConfirmMs = 200.0
    /// `trapped_after_s`: how long people must be shut in outside a door zone (or pressing the alarm button) before
    /// `trapped_passenger`, s.
    public var trappedAfterS = 30.0
    /// `trapped_at_landing_s`: how long people must be shut in at a landing (doors that will not open) before
    /// `trapped_passenger`, s.
    public var trappedAtLandingS = 120.0
    /// `outside_zone_stop_s`: how long the car may stand outside a door zone before `stopped_outside_door_zone`, s.
    public var outsideZoneStopS = 45.0
    /// `overload_ratio`: `overload` is raised above this multiple of the rated load.
    public var overloadRatio = 1.10
    /// faults.md: 1000 ms for elevators, 500 ms for cranes.
    public var overloadConfirmMs: Double
    /// `door_moving_confirm_ms`: how long the door must be open while moving outside a door zone before
    /// `door_open_while_moving`, ms.
    public var doorMovingConfirmMs = 100.0
    /// `overtravel_m`: how far, m, the car may go beyond a terminal landing before `overtravel_top` or
    /// `overtravel_bottom`.
    public var overtravelM = 0.20
    /// `limit_actuate_m`: a limit switch still reading 0 this far, m, beyond its terminal landing (crane: beyond its
    /// limit height) did not actuate.
    public var limitActuateM = 0.10
    /// `limit_stuck_m`: a limit switch that reads actuated this far inside the travel is stuck, m.
    public var limitStuckM = 0.50
    /// `occupancy_hold_s`: with the door closed, a drop of `occupancy` shorter than this, s, is PIR flicker and is
    /// ignored.
    public var occupancyHoldS = 10.0
    /// `preroll_s`: how much input before a raise an alarm's flight record holds, s.
    public var prerollS = 10.0
    /// `prewarn_ratio` (crane): `overload_prewarning` is raised above this multiple of the rated load.
    public var prewarnRatio = 0.90
    /// `double_limit_skew_ms` (crane): how long the two upper limit switches may disagree, ms.
    public var doubleLimitSkewMs = 500.0
    /// `wind_limit_mps` (crane): `high_wind` is raised when the 10 s average wind is above this, m/s.
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
