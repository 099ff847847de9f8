/// What a unit is and how to turn its raw signals into physical units (calibration.md).
///
/// Built only through `Calibration.parse(toml:)`, which refuses unknown, missing, mistyped and impossible keys.
public struct Calibration: Sendable, Hashable {
    /// Elevator or crane: which inputs exist and which detectors run.
    public var equipment: Equipment
    /// The unit's registration code (20 digits for elevators registered in China): every event and topic carries it.
    public var deviceId: String
    /// Free text for people (`description`, e.g. "Building 3, car A"); nil when the file has none.
    public var description: String?
    /// Quadrature counts (x4 decoding) per metre of car or hook travel; A leads B = up.
    public var countsPerMeter: Double
    /// HX711 counts with no load.
    public var loadRawZero: Double
    /// HX711 counts per kg (the sign gives the direction).
    public var loadRawPerKg: Double
    /// Rated load, kg: what the overload and pre-warning thresholds are fractions of.
    public var ratedKg: Double
    /// Rated car speed (elevator) or rated hoist speed (crane), m/s.
    public var ratedSpeedMps: Double
    /// Elevator landing heights, ascending.
    public var levelsM: [Double]
    /// Half length of the door (levelling) zone around each landing.
    public var doorZoneHalfM: Double
    /// Crane: hook height at which the upper limits must actuate.
    public var upperLimitM: Double
    /// Crane: hook height at which the lower limit must actuate.
    public var lowerLimitM: Double
    /// Crane anemometer: m/s per pulse per second.
    public var windMpsPerHz: Double
    /// The digital inputs this installation has connected (`[wiring] inputs`); a detector needing another is off.
    public var wiredInputs: Set<InputName>
    /// The ADC channels connected (`[wiring] adc`); without `load` the load detectors are off.
    public var wiredAdc: Set<AdcChannel>
    /// Every tunable of faults.md: the spec's defaults, with the file's `[thresholds]` applied over them.
    public var thresholds: Thresholds

    /// A calibration with the given essentials; used by tests and the simulator's defaults.
    public init(
        equipment: Equipment, deviceId: String, countsPerMeter: Double, loadRawZero: Double, loadRawPerKg: Double,
        ratedKg: Double, ratedSpeedMps: Double, levelsM: [Double] = [], doorZoneHalfM: Double = 0.15,
        upperLimitM: Double = 0, lowerLimitM: Double = 0, windMpsPerHz: Double = 0,
        wiredInputs: Set<InputName>? = nil, wiredAdc: Set<AdcChannel> = [.load], thresholds: Thresholds? = nil
    ) {
        self.equipment = equipment
        self.deviceId = deviceId
        self.countsPerMeter = countsPerMeter
        self.loadRawZero = loadRawZero
        self.loadRawPerKg = loadRawPerKg
        self.ratedKg = ratedKg
        self.ratedSpeedMps = ratedSpeedMps
        self.levelsM = levelsM
        self.doorZoneHalfM = doorZoneHalfM
        self.upperLimitM = upperLimitM
        self.lowerLimitM = lowerLimitM
        self.windMpsPerHz = windMpsPerHz
        self.wiredInputs = wiredInputs ?? Set(equipment.digitalInputs)
        self.wiredAdc = wiredAdc
        self.thresholds = thresholds ?? Thresholds(defaultsFor: equipment)
    }

    /// Whether every one of `inputs` is wired.
    public func isWired(_ inputs: InputName...) -> Bool { inputs.allSatisfy(wiredInputs.contains) }

    /// The bottom landing's height, m (elevator; 0 when there are no levels).
    public var bottomLandingM: Double { levelsM.first ?? 0 }
    /// The top landing's height, m (elevator; 0 when there are no levels).
    public var topLandingM: Double { levelsM.last ?? 0 }
}
