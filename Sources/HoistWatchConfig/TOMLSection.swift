import HoistWatchCore
import TOMLKit

/// Reads one TOML table key by key, turning every problem into an `InputError` that names the key path.
///
/// It remembers which keys were read, so `rejectUnknownKeys()` can refuse typos instead of ignoring them.
public final class TOMLSection {
    private let table: TOMLTable
    private let path: String
    private var seen: Set<String> = []

    /// Parses `text` as a TOML document; syntax errors carry the line the parser reported.
    public static func parse(_ text: String) throws(InputError) -> TOMLSection {
        try TOMLSyntaxGuard.check(text)
        do {
            return TOMLSection(table: try TOMLTable(string: text), path: "")
        } catch let error as TOMLParseError {
            throw InputError(.syntax, line: error.source.begin.line, "not valid TOML: \(error.description)")
        } catch {
            throw InputError(.syntax, "not valid TOML: \(error)")
        }
    }

    init(table: TOMLTable, path: String) {
        self.table = table
        self.path = path
    }

    /// The dotted path of `key` inside this section.
    public func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Every key of this table, sorted; for tables whose keys are names (a board profile's `[inputs.NAME]`).
    /// Reading them marks none as known: each is still read through `section(_:)` or the like.
    public var keys: [String] { table.keys.sorted() }

    /// Whether the key is present (marks it as known).
    public func has(_ key: String) -> Bool {
        seen.insert(key)
        return table.contains(key: key)
    }

    private func value(_ key: String) -> TOMLValueConvertible? {
        seen.insert(key)
        return table[key]
    }

    private func missing(_ key: String) -> InputError {
        InputError(.missingKey, key: keyPath(key), "required key is missing")
    }

    private func wrongType(_ key: String, _ expected: String, _ found: TOMLValueConvertible) -> InputError {
        InputError(.wrongType, key: keyPath(key), "expected \(expected), found \(found.type)")
    }

    /// A sub-table, or nil when absent.
    public func optionalSection(_ key: String) throws(InputError) -> TOMLSection? {
        guard let found = value(key) else { return nil }
        guard let sub = found.table else { throw wrongType(key, "a table", found) }
        return TOMLSection(table: sub, path: keyPath(key))
    }

    /// A required sub-table.
    public func section(_ key: String) throws(InputError) -> TOMLSection {
        guard let sub = try optionalSection(key) else {
            throw InputError(.missingKey, key: keyPath(key), "required table [\(keyPath(key))] is missing")
        }
        return sub
    }

    /// A number (TOML integer or float), or nil when absent.
    public func optionalDouble(_ key: String) throws(InputError) -> Double? {
        guard let found = value(key) else { return nil }
        if let number = found.double ?? found.int.map(Double.init) {
            guard number.isFinite else { throw InputError(.invalidValue, key: keyPath(key), "must be a finite number") }
            return number
        }
        throw wrongType(key, "a number", found)
    }

    /// A required number.
    public func double(_ key: String) throws(InputError) -> Double {
        guard let number = try optionalDouble(key) else { throw missing(key) }
        return number
    }

    /// An integer, or nil when absent.
    public func optionalInt(_ key: String) throws(InputError) -> Int? {
        guard let found = value(key) else { return nil }
        if let number = found.int { return number }
        if let number = found.double, number.rounded() == number, abs(number) < 1e15 { return Int(number) }
        throw wrongType(key, "an integer", found)
    }

    /// A required integer.
    public func int(_ key: String) throws(InputError) -> Int {
        guard let number = try optionalInt(key) else { throw missing(key) }
        return number
    }

    /// A boolean, or nil when absent.
    public func optionalBool(_ key: String) throws(InputError) -> Bool? {
        guard let found = value(key) else { return nil }
        guard let flag = found.bool else { throw wrongType(key, "true or false", found) }
        return flag
    }

    /// A string, or nil when absent.
    public func optionalString(_ key: String) throws(InputError) -> String? {
        guard let found = value(key) else { return nil }
        guard let text = found.string else { throw wrongType(key, "a string", found) }
        return text
    }

    /// A required string.
    public func string(_ key: String) throws(InputError) -> String {
        guard let text = try optionalString(key) else { throw missing(key) }
        return text
    }

    /// An array of strings, or nil when absent.
    public func optionalStringArray(_ key: String) throws(InputError) -> [String]? {
        guard let found = value(key) else { return nil }
        guard let array = found.array else { throw wrongType(key, "an array of strings", found) }
        var result: [String] = []
        for (index, element) in array.enumerated() {
            guard let text = element.string else {
                throw InputError(
                    .wrongType, key: "\(keyPath(key))[\(index)]", "expected a string, found \(element.type)")
            }
            result.append(text)
        }
        return result
    }

    /// A required array of strings.
    public func stringArray(_ key: String) throws(InputError) -> [String] {
        guard let found = try optionalStringArray(key) else { throw missing(key) }
        return found
    }

    /// A required array of numbers.
    public func doubleArray(_ key: String) throws(InputError) -> [Double] {
        guard let found = value(key) else { throw missing(key) }
        guard let array = found.array else { throw wrongType(key, "an array of numbers", found) }
        var result: [Double] = []
        for (index, element) in array.enumerated() {
            guard let number = element.double ?? element.int.map(Double.init), number.isFinite else {
                throw InputError(
                    .wrongType, key: "\(keyPath(key))[\(index)]", "expected a number, found \(element.type)")
            }
            result.append(number)
        }
        return result
    }

    /// An array of tables (`[[name]]`), empty when absent.
    public func sectionArray(_ key: String) throws(InputError) -> [TOMLSection] {
        guard let found = value(key) else { return [] }
        guard let array = found.array else { throw wrongType(key, "an array of tables", found) }
        var result: [TOMLSection] = []
        for (index, element) in array.enumerated() {
            guard let sub = element.table else {
                throw InputError(
                    .wrongType, key: "\(keyPath(key))[\(index)]", "expected a table, found \(element.type)")
            }
            result.append(TOMLSection(table: sub, path: "\(keyPath(key))[\(index)]"))
        }
        return result
    }

    /// Refuses any key that was never asked for: a typo must not be silently ignored.
    public func rejectUnknownKeys() throws(InputError) {
        for key in table.keys.sorted() where !seen.contains(key) {
            throw InputError(.unknownKey, key: keyPath(key), "unknown key")
        }
    }
}
