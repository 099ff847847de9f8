/// A failure of the on-disk outbox, naming the file and what to do about it.
public struct OutboxError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure; compare with the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case cannotOpen, notADatabase, corrupt, newerSchema, duplicateID, io
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The file could not be opened or created (missing folder, permissions).
        public static let cannotOpen = Code(.cannotOpen)
        /// The file exists but is not an SQLite database (garbage, another format).
        public static let notADatabase = Code(.notADatabase)
        /// The file is an SQLite database but damaged.
        public static let corrupt = Code(.corrupt)
        /// The file was written by a newer HoistWatch with a schema this build does not know.
        public static let newerSchema = Code(.newerSchema)
        /// An entry with this id is already in the outbox.
        public static let duplicateID = Code(.duplicateID)
        /// Reading or writing failed (disk full, I/O error).
        public static let io = Code(.io)

        /// A short name for the kind.
        public var description: String {
            switch value {
            case .cannotOpen: "cannot open"
            case .notADatabase: "not a database"
            case .corrupt: "corrupt"
            case .newerSchema: "newer schema"
            case .duplicateID: "duplicate id"
            case .io: "i/o"
            }
        }
    }

    /// What kind of failure.
    public var code: Code
    /// The outbox database file.
    public var path: String
    /// A sentence for a human saying what happened and what to do.
    public var message: String
    /// The SQLite failure underneath, when there is one.
    public var underlying: SQLiteError?

    /// The file, what happened and what to do, with SQLite's message.
    public var description: String {
        var text = "outbox \(path): \(message)"
        if let underlying { text += " [\(underlying)]" }
        return text
    }

    /// Classifies an SQLite failure on `path`.
    static func wrapping(_ error: SQLiteError, path: String, during action: String) -> OutboxError {
        let primary = error.primaryCode
        switch primary {
        case 26:  // SQLITE_NOTADB
            return OutboxError(
                code: .notADatabase, path: path,
                message: "the file is not an SQLite database (while \(action)); move it aside or delete it so "
                    + "the agent can create a new outbox", underlying: error)
        case 11:  // SQLITE_CORRUPT
            return OutboxError(
                code: .corrupt, path: path,
                message: "the database is damaged (while \(action)); move it aside so the agent can create a "
                    + "new outbox, and keep the old file for inspection", underlying: error)
        case 14:  // SQLITE_CANTOPEN
            return OutboxError(
                code: .cannotOpen, path: path,
                message: "cannot open or create the file (while \(action)); check that the folder exists and "
                    + "is writable by the agent", underlying: error)
        case 19:  // SQLITE_CONSTRAINT
            return OutboxError(
                code: .duplicateID, path: path,
                message: "an entry with the same id is already stored (while \(action))", underlying: error)
        default:
            return OutboxError(code: .io, path: path, message: "failed while \(action)", underlying: error)
        }
    }
}
