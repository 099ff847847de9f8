/// What a unit is and how to turn its raw signals into physical units (calibration.md).
///
/// Built only through `Calibration.parse(toml:)`, which refuses unknown, missing, mistyped and impossible keys.
public struct Calibration: Sendable, Hashable {
    public var equipment: Equipment
    public var deviceId: String
    public var description: String?
    /// Quadrature counts (x4 decoding) per metre of car or hook travel; A leads B = up.
    public var countsPerMeter: Double
    /// HX711 counts with no load.
    public var loadRawZero: Double
    /// HX711 counts per kg (the sign gives the direction).
    public var loadRawPerKg: Double
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
    public var wiredInputs: Set<InputName>
    public var wiredAdc: Set<AdcChannel>
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

    /// The bottom and top landing (elevator).
    public var bottomLandingM: Double { levelsM.first ?? 0 }
    public var topLandingM: Double { levelsM.last ?? 0 }
}
