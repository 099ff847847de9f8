/// An error a user can cause with bad input: a config, calibration, trace, scenario or profile that is wrong.
///
/// `description` names the file, the line or key, and what to fix. Commands exit 2 on these.
public struct InputError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem this is. A struct over a private enum, so new codes break nobody.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case unreadable, syntax, missingKey, unknownKey, wrongType, invalidValue, unsupported, outOfOrder, insecure
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The file could not be read at all.
        public static let unreadable = Code(.unreadable)
        /// The file is not valid TOML / JSON.
        public static let syntax = Code(.syntax)
        /// A required key is missing.
        public static let missingKey = Code(.missingKey)
        /// A key the format does not know.
        public static let unknownKey = Code(.unknownKey)
        /// A value of the wrong type.
        public static let wrongType = Code(.wrongType)
        /// A value of the right type that is impossible (negative, not ascending, zero, ...).
        public static let invalidValue = Code(.invalidValue)
        /// A format or version this build does not read.
        public static let unsupported = Code(.unsupported)
        /// Events out of time order.
        public static let outOfOrder = Code(.outOfOrder)
        /// A file that holds or names secrets (site config, TLS key, password file) other users can read or write.
        public static let insecure = Code(.insecure)

        /// The code's name: `unreadable`, `syntax`, `missingKey`, ...
        public var description: String { base.rawValue }
    }

    /// The kind of problem.
    public var code: Code
    /// The file it is in (as the user named it), if known.
    public var file: String?
    /// The 1-based line, if known.
    public var line: Int?
    /// The dotted key path (`thresholds.trapped_after_s`), if the problem is one key.
    public var key: String?
    /// A sentence for a human: what is wrong and what is expected.
    public var message: String

    /// An error of kind `code` with a sentence for a human; `file`, `line` and `key` say where, as far as known.
    public init(_ code: Code, file: String? = nil, line: Int? = nil, key: String? = nil, _ message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    /// The same error attributed to `file`.
    public func inFile(_ file: String) -> InputError {
        var copy = self
        copy.file = file
        return copy
    }

    /// `file:line: key 'key': message`, each part present when known (`input` when the file is not).
    public var description: String {
        var location = file ?? "input"
        if let line { location += ":\(line)" }
        if let key { location += ": key '\(key)'" }
        return "\(location): \(message)"
    }
}
