/// The readings that explain a transition (`data` of the payload): ordered, with units in the key names.
public struct EventData: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    /// One value of `data`.
    public enum Value: Sendable, Hashable {
        case number(Double)
        case integer(Int64)
        case text(String)
        case flag(Bool)
        case texts([String])
    }

    /// Key-value pairs in the order they were added.
    public private(set) var fields: [(key: String, value: Value)] = []

    /// No fields: `{}` in the payload.
    public init() {}

    /// The fields in the literal's order (a key given twice is kept twice; `set` replaces instead).
    public init(dictionaryLiteral elements: (String, Value)...) {
        for (key, value) in elements { fields.append((key, value)) }
    }

    /// Adds or replaces a field.
    public mutating func set(_ key: String, _ value: Value) {
        if let index = fields.firstIndex(where: { $0.key == key }) {
            fields[index].value = value
        } else {
            fields.append((key, value))
        }
    }

    /// Adds a number rounded to `decimals` places (keeps payloads short and readable).
    public mutating func set(_ key: String, _ number: Double, decimals: Int) {
        set(key, .number(FixedPoint.rounded(number, decimals: decimals)))
    }

    /// The value of `key`, if present.
    public subscript(key: String) -> Value? { fields.first(where: { $0.key == key })?.value }

    /// Equal when both hold the same keys with the same values in the same order (the payloads would be identical).
    public static func == (lhs: EventData, rhs: EventData) -> Bool {
        lhs.fields.count == rhs.fields.count && zip(lhs.fields, rhs.fields).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    /// Hashes the fields in order, consistent with `==`.
    public func hash(into hasher: inout Hasher) {
        for field in fields {
            hasher.combine(field.key)
            hasher.combine(field.value)
        }
    }

    /// Appends the JSON object text.
    public func write(to json: inout JSONText) {
        json.raw("{")
        for (index, field) in fields.enumerated() {
            if index > 0 { json.raw(",") }
            json.string(field.key)
            json.raw(":")
            switch field.value {
            case .number(let number): json.double(number)
            case .integer(let integer): json.int(integer)
            case .text(let text): json.string(text)
            case .flag(let flag): json.bool(flag)
            case .texts(let texts):
                json.raw("[")
                for (position, text) in texts.enumerated() {
                    if position > 0 { json.raw(",") }
                    json.string(text)
                }
                json.raw("]")
            }
        }
        json.raw("}")
    }
}
