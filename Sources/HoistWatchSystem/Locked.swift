import Synchronization

/// A value behind a `Mutex` (the package's one lock), shared by reference: for state shared between a C library's
/// thread, a thread of our own and Swift code. A `Mutex` cannot be copied; this class gives it a reference that
/// closures and several owners can hold.
///
/// Not recursive: `body` must not take the same lock again, nor drop the last reference to something whose
/// `deinit` does.
public final class Locked<Value>: @unchecked Sendable {
    // @unchecked Sendable: `value` is only read or written inside `mutex.withLock`. It sits beside the mutex, not in
    // it, because `Mutex.withLock` hands its value on as `inout sending`: the state kept here (an SQLite connection,
    // a board) is not Sendable, and callers use it together with what their closures capture.
    private let mutex = Mutex(())
    private var value: Value

    /// A lock guarding `value`.
    public init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` with exclusive access to the value.
    public func withLock<Success, Failure: Error>(
        _ body: (inout Value) throws(Failure) -> Success
    )
        throws(Failure) -> Success
    {
        // The outcome leaves the closure through a local: `Mutex.withLock` wants a `sending` result, which a
        // generic one is not known to be. It is what the caller's own closure returned, as with any lock.
        nonisolated(unsafe) var outcome: Result<Success, Failure>?
        mutex.withLock { _ in
            outcome = Result { () throws(Failure) -> Success in try body(&value) }
        }
        return try outcome!.get()
    }
}
