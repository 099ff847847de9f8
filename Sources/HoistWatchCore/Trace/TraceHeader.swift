/// Line 1 of a trace (trace.md): what equipment it is and the state of every input at t=0.
public struct TraceHeader: Sendable, Hashable {
    /// The only format and version this build reads and writes.
    public static let format = "hoistwatch-trace"
    /// The trace format version this build reads and writes.
    public static let version = 1

    /// Whose inputs the trace holds: elevator or crane.
    public var equipment: Equipment
    /// The registration code of the unit the trace was recorded or simulated for.
    public var deviceId: String
    /// Car floor / hook height at t=0 as the agent had it persisted; nil starts unreferenced.
    public var initialPositionM: Double?
    /// Logical level of digital inputs at t=0; inputs not named start at 0.
    public var initialLevels: [InputName: UInt8]
    /// Free text (`note`): where the trace comes from, e.g. the flight record of which event.
    public var note: String?
    /// Wall time at t=0 (RFC 3339), written by `record` on a synced board; lets replay stamp real wall times.
    public var startTime: String?

    /// A header with the given fields; inputs not in `initialLevels` start at 0.
    public init(
        equipment: Equipment, deviceId: String, initialPositionM: Double? = nil,
        initialLevels: [InputName: UInt8] = [:], note: String? = nil, startTime: String? = nil
    ) {
        self.equipment = equipment
        self.deviceId = deviceId
        self.initialPositionM = initialPositionM
        self.initialLevels = initialLevels
        self.note = note
        self.startTime = startTime
    }

    /// The initial level of `input` (0 when not named).
    public func initialLevel(_ input: InputName) -> UInt8 { initialLevels[input] ?? 0 }

    /// Parses the header line. Unknown keys are ignored (forward compatible); errors say what is wrong.
    public static func parse(_ line: some Collection<UInt8>) throws(InputError) -> TraceHeader {
        let object: [String: JSONValue]
        do {
            guard let parsed = try JSONValue.parse(line).object else {
                throw InputError(.syntax, line: 1, "the header is not a JSON object")
            }
            object = parsed
        } catch let error as InputError {
            throw error
        } catch {
            throw InputError(.syntax, line: 1, "the header is not valid JSON")
        }
        guard let format = object["format"]?.string, format == Self.format else {
            throw InputError(
                .unsupported, line: 1, key: "format",
                "not a HoistWatch trace: format must be \"\(Self.format)\", got \(describe(object["format"]))")
        }
        guard let version = object["version"]?.double, version == Double(Self.version) else {
            throw InputError(
                .unsupported, line: 1, key: "version",
                "trace version \(describe(object["version"])) is not supported (this build reads version \(Self.version))"
            )
        }
        guard let kind = object["equipment"]?.string, let equipment = Equipment(rawValue: kind) else {
            throw InputError(
                .invalidValue, line: 1, key: "equipment",
                "must be \"elevator\" or \"crane\", got \(describe(object["equipment"]))")
        }
        guard let deviceId = object["device_id"]?.string else {
            throw InputError(.invalidValue, line: 1, key: "device_id", "must be a string")
        }
        var header = TraceHeader(equipment: equipment, deviceId: deviceId)
        header.note = object["note"]?.string
        header.startTime = object["start_time"]?.string
        if let initial = object["initial"] {
            guard let initial = initial.object else {
                throw InputError(.invalidValue, line: 1, key: "initial", "must be an object")
            }
            if let position = initial["position_m"], !position.isNull {
                guard let number = position.double, number.isFinite else {
                    throw InputError(.invalidValue, line: 1, key: "initial.position_m", "must be a number of metres")
                }
                header.initialPositionM = number
            }
            if let levels = initial["levels"] {
                guard let levels = levels.object else {
                    throw InputError(.invalidValue, line: 1, key: "initial.levels", "must be an object of input: 0|1")
                }
                for (name, value) in levels {
                    guard let input = InputName(wireName: name), equipment.digitalInputs.contains(input) else {
                        throw InputError(
                            .invalidValue, line: 1, key: "initial.levels.\(name)",
                            "\"\(name)\" is not an input of a \(equipment.rawValue)")
                    }
                    guard let number = value.double, number == 0 || number == 1 else {
                        throw InputError(.invalidValue, line: 1, key: "initial.levels.\(name)", "level must be 0 or 1")
                    }
                    header.initialLevels[input] = UInt8(number)
                }
            }
        }
        return header
    }

    private static func describe(_ value: JSONValue?) -> String { value?.description ?? "nothing" }

    /// The header line's JSON text (no newline), keys in the spec's order.
    public func encoded() -> [UInt8] {
        var json = JSONText()
        json.raw("{\"format\":")
        json.string(Self.format)
        json.raw(",\"version\":")
        json.int(Int64(Self.version))
        json.raw(",\"equipment\":")
        json.string(equipment.rawValue)
        json.raw(",\"device_id\":")
        json.string(deviceId)
        json.raw(",\"initial\":{")
        if let initialPositionM {
            json.raw("\"position_m\":")
            json.double(initialPositionM)
            json.raw(",")
        }
        json.raw("\"levels\":{")
        for (index, input) in initialLevels.keys.sorted().enumerated() {
            if index > 0 { json.raw(",") }
            json.string(input.wireName)
            json.raw(":")
            json.int(Int64(initialLevels[input]!))
        }
        json.raw("}}")
        if let startTime {
            json.raw(",\"start_time\":")
            json.string(startTime)
        }
        if let note {
            json.raw(",\"note\":")
            json.string(note)
        }
        json.raw("}")
        return json.bytes
    }
}
