import HoistWatchCore

extension DiagnosticsSnapshot {
    /// The outbox's store, as `diag` and the status message (`storage`) show it.
    public struct StorageReading: Codable, Sendable, Hashable {
        /// False while the database cannot store (the last operation failed): new events are published from memory
        /// with `"durable": false`.
        public var durable: Bool
        /// The cause of the last failure (`full`, `read_only`, `io_error`, `corrupt`); nil (`null`) when it works.
        @NullWhenAbsent public var failing: String?
        /// Entries held in memory, not yet acknowledged.
        public var unsaved: Int
        /// Bytes held in memory, and the cap on them.
        public var unsavedBytes: Int64
        /// The memory cap (`UnsavedEntries`: 8 MiB).
        public var unsavedCapBytes: Int64
        /// Stored entries that failed their checksum and were set aside (never sent), since the outbox was created.
        public var corrupt: Int64
        /// Whether the space reserve is in place (false after it was released on a full file system).
        public var reserveHeld: Bool
        /// Free space plus what the outbox's files use, at start; nil (`null`) when it could not be measured.
        @NullWhenAbsent public var availableBytes: Int64?
        /// What the outbox and history caps and the reserve need.
        @NullWhenAbsent public var neededBytes: Int64?
        /// True when the card cannot hold what the caps allow (warned at start).
        public var spaceShort: Bool

        /// The reading of `health` and the start-up `space` check; nil without `health`.
        public init?(health: OutboxStorageHealth?, space: StorageSpaceCheck?) {
            guard let health else { return nil }
            durable = health.lastFailure == nil
            failing = health.lastFailure?.rawValue
            unsaved = health.unsavedCount
            unsavedBytes = health.unsavedBytes
            unsavedCapBytes = health.unsavedCapBytes
            corrupt = health.corrupt
            reserveHeld = health.reserveHeld
            availableBytes = space?.availableBytes
            neededBytes = space?.neededBytes
            spaceShort = space?.isShort ?? false
        }
    }
}
