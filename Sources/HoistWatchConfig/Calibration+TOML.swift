import HoistWatchCore

extension Calibration {
    /// Parses and validates a calibration file's text. Errors name the key and the reason; the caller adds the file.
    public static func parse(toml text: String) throws(InputError) -> Calibration {
        let root = try TOMLSection.parse(text)
        let equipmentSection = try root.section("equipment")
        let kindText = try equipmentSection.string("kind")
        guard let equipment = Equipment(rawValue: kindText) else {
            throw InputError(
                .invalidValue, key: "equipment.kind", "must be \"elevator\" or \"crane\", got \"\(kindText)\"")
        }
        let deviceId = try equipmentSection.string("device_id")
        guard !deviceId.isEmpty,
            deviceId.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else {
            throw InputError(
                .invalidValue, key: "equipment.device_id",
                "must be non-empty letters, digits, '-' or '_' (it becomes part of MQTT topics)")
        }
        let description = try equipmentSection.optionalString("description")
        try equipmentSection.rejectUnknownKeys()

        let encoder = try root.section("encoder")
        let countsPerMeter = try positive(encoder, "counts_per_meter")
        try encoder.rejectUnknownKeys()

        let load = try root.section("load")
        let rawZero = try load.double("raw_zero")
        let rawPerKg = try load.double("raw_per_kg")
        guard rawPerKg != 0 else { throw InputError(.invalidValue, key: "load.raw_per_kg", "must not be 0") }
        let ratedKg = try positive(load, "rated_kg")
        try load.rejectUnknownKeys()

        let motion = try root.section("motion")
        let ratedSpeed = try positive(motion, equipment == .elevator ? "rated_speed_mps" : "rated_hoist_speed_mps")
        try motion.rejectUnknownKeys()

        var calibration = Calibration(
            equipment: equipment, deviceId: deviceId, countsPerMeter: countsPerMeter, loadRawZero: rawZero,
            loadRawPerKg: rawPerKg, ratedKg: ratedKg, ratedSpeedMps: ratedSpeed)
        calibration.description = description

        switch equipment {
        case .elevator:
            let floors = try root.section("floors")
            let levels = try floors.doubleArray("levels_m")
            guard levels.count >= 2 else {
                throw InputError(.invalidValue, key: "floors.levels_m", "needs at least two landings")
            }
            for index in 1..<levels.count where levels[index] <= levels[index - 1] {
                throw InputError(
                    .invalidValue, key: "floors.levels_m",
                    "landings must be strictly ascending: \(levels[index]) after \(levels[index - 1])")
            }
            let halfZone = try positive(floors, "door_zone_half_m")
            let smallestGap = zip(levels.dropFirst(), levels).map { $0 - $1 }.min() ?? 0
            guard halfZone * 2 < smallestGap else {
                throw InputError(
                    .invalidValue, key: "floors.door_zone_half_m",
                    "door zones of adjacent landings overlap (smallest landing gap \(smallestGap) m)")
            }
            try floors.rejectUnknownKeys()
            calibration.levelsM = levels
            calibration.doorZoneHalfM = halfZone
        case .crane:
            let travel = try root.section("travel")
            let upper = try travel.double("upper_limit_m")
            let lower = try travel.double("lower_limit_m")
            guard upper > lower else {
                throw InputError(
                    .invalidValue, key: "travel.upper_limit_m", "must be above travel.lower_limit_m (\(lower))")
            }
            try travel.rejectUnknownKeys()
            let wind = try root.section("wind")
            calibration.windMpsPerHz = try positive(wind, "mps_per_hz")
            try wind.rejectUnknownKeys()
            calibration.upperLimitM = upper
            calibration.lowerLimitM = lower
        }

        let wiring = try root.section("wiring")
        calibration.wiredInputs = try wiredInputs(wiring, equipment)
        calibration.wiredAdc = try wiredAdc(wiring)
        try wiring.rejectUnknownKeys()

        var thresholds = Thresholds(defaultsFor: equipment)
        if let section = try root.optionalSection("thresholds") { try thresholds.apply(section) }
        calibration.thresholds = thresholds
        try root.rejectUnknownKeys()
        return calibration
    }

    private static func positive(_ section: TOMLSection, _ key: String) throws(InputError) -> Double {
        let value = try section.double(key)
        guard value > 0 else {
            throw InputError(.invalidValue, key: section.keyPath(key), "must be greater than 0, got \(value)")
        }
        return value
    }

    private static func wiredInputs(_ wiring: TOMLSection, _ equipment: Equipment) throws(InputError) -> Set<InputName>
    {
        var result: Set<InputName> = []
        for (index, name) in try wiring.stringArray("inputs").enumerated() {
            guard let input = InputName(wireName: name), equipment.digitalInputs.contains(input) else {
                let known = equipment.digitalInputs.map(\.wireName).joined(separator: ", ")
                throw InputError(
                    .invalidValue, key: "wiring.inputs[\(index)]",
                    "\"\(name)\" is not an input of a \(equipment.rawValue) (known: \(known))")
            }
            guard result.insert(input).inserted else {
                throw InputError(.invalidValue, key: "wiring.inputs[\(index)]", "\"\(name)\" is listed twice")
            }
        }
        if result.contains(.encA) != result.contains(.encB) {
            throw InputError(.invalidValue, key: "wiring.inputs", "enc_a and enc_b must be wired together")
        }
        return result
    }

    private static func wiredAdc(_ wiring: TOMLSection) throws(InputError) -> Set<AdcChannel> {
        var result: Set<AdcChannel> = []
        for (index, name) in try wiring.stringArray("adc").enumerated() {
            guard let channel = AdcChannel(wireName: name) else {
                throw InputError(
                    .invalidValue, key: "wiring.adc[\(index)]", "\"\(name)\" is not an ADC channel (known: load)")
            }
            guard result.insert(channel).inserted else {
                throw InputError(.invalidValue, key: "wiring.adc[\(index)]", "\"\(name)\" is listed twice")
            }
        }
        return result
    }
}
