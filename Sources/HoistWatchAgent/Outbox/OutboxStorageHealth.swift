import HoistWatchCore

/// What the outbox's store did since it opened, and what it holds in memory: read by the detection loop (which
/// feeds the changes to `StorageFaultDetector`), the status message and `diag`.
public struct OutboxStorageHealth: Sendable, Hashable {
    /// Operations that failed, per cause, since the outbox opened.
    public var failures: [StorageFailureCause: Int64] = [:]
    /// The cause of the last operation when it failed; nil when it worked.
    public var lastFailure: StorageFailureCause?
    /// The last failure's text (SQLite's message and code), for the log.
    public var lastError: String?
    /// Operations that worked.
    public var successes: Int64 = 0
    /// Stored entries that failed their checksum and were moved aside, since the outbox was created (persisted).
    public var corrupt: Int64 = 0
    /// Entries held in memory and not yet acknowledged (sent from memory, `"durable": false`).
    public var unsavedCount: Int = 0
    /// Entries held in memory, acknowledged ones (kept for their history row) included.
    public var unsavedHeld: Int = 0
    /// Their bytes (`OutboxEntry.storedBytes`).
    public var unsavedBytes: Int64 = 0
    /// The memory cap.
    public var unsavedCapBytes: Int64
    /// Whether the space reserve file is in place (false once released on a full file system).
    public var reserveHeld: Bool = false
    /// True while the outbox runs from memory only (the database could not be opened for writing at start).
    public var memoryOnly = false

    /// Nothing happened yet; memory capped at `unsavedCapBytes`.
    public init(unsavedCapBytes: Int64) { self.unsavedCapBytes = unsavedCapBytes }

    /// What changed since `earlier`, as the fault detector takes it: the causes that failed again (a higher
    /// checksum count as `corrupt`), and whether the store worked and works now.
    public func observation(since earlier: OutboxStorageHealth) -> StorageObservation {
        var failures: Set<StorageFailureCause> = []
        for (cause, count) in self.failures where count > earlier.failures[cause, default: 0] { failures.insert(cause) }
        if corrupt > earlier.corrupt { failures.insert(.corrupt) }
        return StorageObservation(failures: failures, worked: successes > earlier.successes && lastFailure == nil)
    }
}

/// What `Outbox.openRecovering` (or the high-water mark) did when the database at start could not be used as it
/// was: reported as `storage_fault` with `cause: corrupt`, in the log and the status message.
public struct OutboxRecovery: Sendable, Hashable {
    /// Why: the open's error, or what the high-water mark showed.
    public var reason: String
    /// Where the damaged file (and its `-wal`, `-shm`) went; nil when nothing was moved (the file was missing, empty,
    /// or an older copy).
    public var movedTo: String?
    /// The highest seq that could still be read from the old file; nil when none could.
    public var highestReadableSeq: Int64?
    /// The seq the new outbox continues above (its first event gets this + 1).
    public var resumedAfterSeq: Int64
}
