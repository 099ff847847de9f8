import HoistWatchConfig
import HoistWatchCore

extension Scenario {
    /// The actions a `[[step]]` may name, for error messages.
    static let actionNames = [
        "trip", "move", "board", "alight", "doors", "wait", "press_alarm", "inspection",
        "attach", "detach", "wind", "inject", "service", "shift",
    ]
    /// The faults `action = "inject"` may name.
    static let faultNames = [
        "overspeed", "stop_between_floors", "doors_stuck", "overtravel", "door_contact_drop",
        "encoder_slip", "limit_dead", "limit_stuck", "limit_not_cutting", "chatter", "adc_failed",
        "adc_stuck", "encoder_glitches", "mains_loss",
    ]

    /// Parses and checks a scenario file's text. Errors name the key and the reason; the caller adds the file.
    /// Checks that need the calibration (landing numbers, heights) happen in `PlantSimulation.init`.
    public static func parse(toml text: String) throws(InputError) -> Scenario {
        let root = try TOMLSection.parse(text)
        let name = try root.string("name")
        let kind = try root.string("equipment")
        guard let equipment = Equipment(rawValue: kind) else {
            throw InputError(.invalidValue, key: "equipment", "must be \"elevator\" or \"crane\", got \"\(kind)\"")
        }
        let seed = try root.optionalInt("seed") ?? 1
        guard seed >= 0 else { throw InputError(.invalidValue, key: "seed", "must be 0 or more, got \(seed)") }
        var scenario = Scenario(name: name, equipment: equipment, seed: UInt64(seed))
        scenario.description = try root.optionalString("description")
        scenario.calibration = try root.optionalString("calibration")
        scenario.startLanding = try root.optionalInt("start_landing")
        scenario.startHeightM = try root.optionalDouble("start_height_m")
        if let landing = scenario.startLanding {
            guard equipment == .elevator else {
                throw InputError(
                    .invalidValue, key: "start_landing", "only elevators have landings; use start_height_m")
            }
            guard landing >= 1 else {
                throw InputError(.invalidValue, key: "start_landing", "landings are numbered from 1")
            }
            if scenario.startHeightM != nil {
                throw InputError(.invalidValue, key: "start_height_m", "give start_landing or start_height_m, not both")
            }
        }
        if equipment == .crane && scenario.startHeightM == nil {
            throw InputError(.missingKey, key: "start_height_m", "a crane scenario needs the hook height at the start")
        }
        let steps = try root.sectionArray("step")
        guard !steps.isEmpty else {
            throw InputError(.missingKey, key: "step", "a scenario needs at least one [[step]]")
        }
        var lastAtS = 0.0
        for section in steps {
            let step = try parseStep(section, equipment)
            if let atS = step.atS {
                guard atS >= lastAtS else {
                    throw InputError(
                        .invalidValue, key: section.keyPath("at_s"),
                        "steps run in order: at_s \(atS) is before an earlier step's at_s \(lastAtS)")
                }
                lastAtS = atS
            }
            scenario.steps.append(step)
        }
        for section in try root.sectionArray("expect") {
            scenario.expectations.append(try parseExpectation(section))
        }
        try root.rejectUnknownKeys()
        return scenario
    }

    private static func parseStep(_ section: TOMLSection, _ equipment: Equipment) throws(InputError) -> ScenarioStep {
        let atS = try section.optionalDouble("at_s")
        if let atS, atS < 0 { throw InputError(.invalidValue, key: section.keyPath("at_s"), "must be 0 or more") }
        let actionName = try section.string("action")
        let action: ScenarioAction
        switch actionName {
        case "trip":
            action = .trip(
                toLanding: try section.int("to_landing"), speedMps: try optionalPositive(section, "speed_mps"))
        case "move":
            action = .move(toM: try section.double("to_m"), speedMps: try optionalPositive(section, "speed_mps"))
        case "board":
            let passengers = try count(section, "passengers") ?? 0
            let kg = try optionalPositive(section, "kg") ?? 0
            guard passengers > 0 || kg > 0 else {
                throw InputError(.missingKey, key: section.keyPath("passengers"), "board needs passengers or kg")
            }
            action = .board(passengers: passengers, kg: kg)
        case "alight":
            // No keys: everyone and all freight get out. Only `kg`: only freight is unloaded.
            let kg = try optionalPositive(section, "kg") ?? 0
            let passengers = try count(section, "passengers") ?? (kg > 0 ? 0 : nil)
            action = .alight(passengers: passengers, kg: kg)
        case "doors":
            let state = try section.string("state")
            guard state == "open" || state == "closed" else {
                throw InputError(
                    .invalidValue, key: section.keyPath("state"), "must be \"open\" or \"closed\", got \"\(state)\"")
            }
            action = .doors(open: state == "open")
        case "wait":
            action = .wait(seconds: try positive(section, "seconds"))
        case "press_alarm":
            action = .pressAlarm(seconds: try positive(section, "seconds"))
        case "inspection":
            guard let on = try section.optionalBool("on") else {
                throw InputError(.missingKey, key: section.keyPath("on"), "required key is missing (true or false)")
            }
            action = .inspection(on: on)
        case "attach":
            action = .attach(kg: try positive(section, "kg"))
        case "detach":
            action = .detach
        case "wind":
            let mps = try section.double("mps")
            guard mps >= 0 else { throw InputError(.invalidValue, key: section.keyPath("mps"), "must be 0 or more") }
            let gust = try section.optionalDouble("gust_mps") ?? mps * 0.2
            guard gust >= 0 else {
                throw InputError(.invalidValue, key: section.keyPath("gust_mps"), "must be 0 or more")
            }
            action = .wind(mps: mps, gustMps: gust)
        case "inject":
            action = .inject(try parseFault(section))
        case "service":
            let maxPassengers = try count(section, "max_passengers") ?? 6
            action = .service(
                hours: try positive(section, "hours"),
                tripsPerHour: try optionalPositive(section, "trips_per_hour") ?? 40,
                maxPassengers: max(1, maxPassengers))
        case "shift":
            action = .shift(
                hours: try positive(section, "hours"),
                liftsPerHour: try optionalPositive(section, "lifts_per_hour") ?? 12,
                maxKg: try optionalPositive(section, "max_kg") ?? 0)
        default:
            throw InputError(
                .invalidValue, key: section.keyPath("action"),
                "unknown action \"\(actionName)\" (known: \(actionNames.joined(separator: ", ")))")
        }
        let elevatorOnly = ["trip", "board", "alight", "doors", "press_alarm", "inspection", "service"]
        let craneOnly = ["attach", "detach", "wind", "shift"]
        if equipment == .crane && elevatorOnly.contains(actionName)
            || equipment == .elevator && craneOnly.contains(actionName)
        {
            throw InputError(
                .invalidValue, key: section.keyPath("action"),
                "\"\(actionName)\" is not an action of a \(equipment.rawValue)")
        }
        try section.rejectUnknownKeys()
        return ScenarioStep(atS: atS, action, key: section.keyPath("action").replacingSuffix(".action"))
    }

    private static func parseFault(_ section: TOMLSection) throws(InputError) -> InjectedFault {
        let fault = try section.string("fault")
        switch fault {
        case "overspeed":
            let ratio = try optionalPositive(section, "speed_ratio") ?? 1.3
            guard ratio > 1 else {
                throw InputError(.invalidValue, key: section.keyPath("speed_ratio"), "must be above 1")
            }
            return .overspeed(speedRatio: ratio)
        case "stop_between_floors":
            return .stopBetweenFloors(afterM: try optionalPositive(section, "after_m"))
        case "doors_stuck":
            return .doorsStuck
        case "overtravel":
            return .overtravel(
                beyondM: try optionalPositive(section, "beyond_m") ?? 0.4,
                holdS: try optionalPositive(section, "hold_s") ?? 5)
        case "door_contact_drop":
            return .doorContactDrop(seconds: try optionalPositive(section, "seconds") ?? 1)
        case "encoder_slip":
            return .encoderSlip(slipM: try positive(section, "slip_m"))
        case "limit_dead":
            return .limitDead(try limitSwitch(section), seconds: try optionalPositive(section, "seconds"))
        case "limit_stuck":
            return .limitStuck(try limitSwitch(section), seconds: try optionalPositive(section, "seconds"))
        case "limit_not_cutting":
            return .limitNotCutting
        case "chatter":
            let name = try section.string("input")
            guard let input = InputName(wireName: name), !input.isCounter else {
                throw InputError(
                    .invalidValue, key: section.keyPath("input"),
                    "\"\(name)\" is not a switch input (encoder and wind lines cannot chatter)")
            }
            return .chatter(
                input, seconds: try positive(section, "seconds"),
                periodMs: try optionalPositive(section, "period_ms") ?? 12)
        case "adc_failed":
            return .adcFailed(seconds: try positive(section, "seconds"))
        case "adc_stuck":
            return .adcStuck(seconds: try positive(section, "seconds"))
        case "encoder_glitches":
            return .encoderGlitches(
                seconds: try positive(section, "seconds"),
                perSecond: try optionalPositive(section, "per_second") ?? 20)
        case "mains_loss":
            return .mainsLoss(seconds: try positive(section, "seconds"))
        default:
            throw InputError(
                .invalidValue, key: section.keyPath("fault"),
                "unknown fault \"\(fault)\" (known: \(faultNames.joined(separator: ", ")))")
        }
    }

    private static func limitSwitch(_ section: TOMLSection) throws(InputError) -> InputName {
        let name = try section.string("switch")
        let limits: [InputName] = [.topLimit, .bottomLimit, .upperLimit1, .upperLimit2, .lowerLimit]
        guard let input = InputName(wireName: name), limits.contains(input) else {
            throw InputError(
                .invalidValue, key: section.keyPath("switch"),
                "\"\(name)\" is not a limit switch (known: \(limits.map(\.wireName).joined(separator: ", ")))")
        }
        return input
    }

    private static func parseExpectation(_ section: TOMLSection) throws(InputError) -> Expectation {
        let typeName = try section.string("type")
        guard let type = FaultType(rawValue: typeName) else {
            throw InputError(
                .invalidValue, key: section.keyPath("type"),
                "unknown event type \"\(typeName)\" (known: \(FaultType.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        let transitionName = try section.optionalString("transition") ?? "raised"
        guard let transition = Transition(rawValue: transitionName) else {
            throw InputError(.invalidValue, key: section.keyPath("transition"), "must be \"raised\" or \"cleared\"")
        }
        let minS = try section.double("at_s_min")
        let maxS = try section.double("at_s_max")
        guard minS >= 0, maxS >= minS else {
            throw InputError(
                .invalidValue, key: section.keyPath("at_s_max"), "the window must satisfy 0 <= at_s_min <= at_s_max")
        }
        let count = try section.optionalInt("count") ?? 1
        guard count >= 1 else { throw InputError(.invalidValue, key: section.keyPath("count"), "must be 1 or more") }
        let expectation = Expectation(
            type: type, transition: transition, atSMin: minS, atSMax: maxS, count: count,
            dataCase: try section.optionalString("case"), cause: try section.optionalString("cause"),
            key: section.keyPath("type").replacingSuffix(".type"))
        try section.rejectUnknownKeys()
        return expectation
    }

    private static func positive(_ section: TOMLSection, _ key: String) throws(InputError) -> Double {
        let value = try section.double(key)
        guard value > 0 else {
            throw InputError(.invalidValue, key: section.keyPath(key), "must be greater than 0, got \(value)")
        }
        return value
    }

    private static func optionalPositive(_ section: TOMLSection, _ key: String) throws(InputError) -> Double? {
        guard let value = try section.optionalDouble(key) else { return nil }
        guard value > 0 else {
            throw InputError(.invalidValue, key: section.keyPath(key), "must be greater than 0, got \(value)")
        }
        return value
    }

    private static func count(_ section: TOMLSection, _ key: String) throws(InputError) -> Int? {
        guard let value = try section.optionalInt(key) else { return nil }
        guard value >= 0 else {
            throw InputError(.invalidValue, key: section.keyPath(key), "must be 0 or more, got \(value)")
        }
        return value
    }
}

extension String {
    /// The string without `suffix` at its end (key paths of a table from one of its keys).
    fileprivate func replacingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
