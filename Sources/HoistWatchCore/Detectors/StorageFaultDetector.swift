/// Why the agent's store failed: `storage_fault`'s `data.cause` (faults.md).
public enum StorageFailureCause: String, Sendable, Hashable, CaseIterable, Comparable {
    /// No space left on the file system (`ENOSPC`, SQLite's `SQLITE_FULL`).
    case full
    /// The file system is read-only (an SD card remounted read-only after errors: `EROFS`).
    case readOnly = "read_only"
    /// Any other failed read or write (`EIO`, SQLite's `SQLITE_IOERR`).
    case ioError = "io_error"
    /// A stored entry failed its checksum, or the database was found damaged and moved aside.
    case corrupt

    /// In the order of the raw values' declaration: full, read_only, io_error, corrupt.
    public static func < (lhs: StorageFailureCause, rhs: StorageFailureCause) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// What the store did since the last look, as the agent's outbox reports it.
public struct StorageObservation: Sendable, Hashable {
    /// Causes of the operations that failed (empty when none failed).
    public var failures: Set<StorageFailureCause>
    /// True when at least one operation worked and the last one did (the store works now).
    public var worked: Bool

    /// An observation of `failures` (checksum mismatches as `.corrupt`) and whether the store works now.
    public init(failures: Set<StorageFailureCause> = [], worked: Bool = false) {
        self.failures = failures
        self.worked = worked
    }
}

/// `storage_fault` of faults.md as a state machine, one instance per cause: raised at the first failure of a cause;
/// cleared once the store has worked again for 10 s without a failure of that cause (for `corrupt`: 60 s without a
/// new mismatch). Pure: the agent feeds what its outbox reported and the time (monotonic ns), and carries out the
/// transitions it returns (stamps them as events, logs them once).
public struct StorageFaultDetector: Sendable {
    /// How long the store must have worked before `full`, `read_only` or `io_error` clears.
    public static let clearNs: Int64 = 10_000_000_000
    /// How long without a new mismatch before `corrupt` clears.
    public static let corruptClearNs: Int64 = 60_000_000_000

    /// One transition of one cause's instance.
    public struct Transition: Sendable, Hashable {
        /// Which instance (`data.cause`).
        public var cause: StorageFailureCause
        /// Raised or cleared.
        public var transition: HoistWatchCore.Transition
    }

    /// A raised cause: its latest failure, and when the store first worked after it (nil until then).
    private struct Raised: Sendable, Hashable {
        var lastFailureNs: Int64
        var workedSinceNs: Int64?
    }

    private var states: [StorageFailureCause: Raised] = [:]

    /// No cause raised.
    public init() {}

    /// The causes raised now, in their declaration order.
    public var raised: [StorageFailureCause] { states.keys.sorted() }

    /// Feeds what the store did up to `nowNs`; returns the transitions of this moment, raises before clears.
    public mutating func observe(_ observation: StorageObservation, atNs nowNs: Int64) -> [Transition] {
        var transitions: [Transition] = []
        for cause in observation.failures.sorted() {
            if states[cause] == nil { transitions.append(Transition(cause: cause, transition: .raised)) }
            states[cause] = Raised(lastFailureNs: nowNs, workedSinceNs: nil)
        }
        if observation.worked {
            for (cause, state) in states where state.workedSinceNs == nil && !observation.failures.contains(cause) {
                states[cause]?.workedSinceNs = nowNs
            }
        }
        transitions.append(contentsOf: clearDue(atNs: nowNs))
        return transitions
    }

    private mutating func clearDue(atNs nowNs: Int64) -> [Transition] {
        var cleared: [Transition] = []
        for cause in states.keys.sorted() {
            guard let state = states[cause] else { continue }
            let due: Bool
            if cause == .corrupt {
                due = nowNs - state.lastFailureNs >= Self.corruptClearNs
            } else if let workedSince = state.workedSinceNs {
                due = nowNs - workedSince >= Self.clearNs
            } else {
                due = false
            }
            if due {
                states[cause] = nil
                cleared.append(Transition(cause: cause, transition: .cleared))
            }
        }
        return cleared
    }
}
