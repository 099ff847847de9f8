import Dispatch

/// The outbox's one writer: a serial queue with a thread of its own (not Swift's cooperative pool) where the agent's
/// services make every outbox call: the detection loop's appends, the link's reads and removals, the status
/// timer's appends and time corrections. An fsync, or a wait for the outbox's lock during one, then never holds a
/// thread that the async services (and tests beside them) need.
extension Outbox {
    /// Runs `body` on the writer's thread and returns its result; the calling task is suspended meanwhile.
    public func perform<Result: Sendable>(_ body: @escaping @Sendable (Outbox) throws -> Result) async throws -> Result
    {
        try await withCheckedThrowingContinuation { continuation in
            writer.async { continuation.resume(with: Swift.Result { try body(self) }) }
        }
    }

    /// Runs `body` on the writer's thread and waits for it: for callers on a thread of their own (the detection
    /// loop), never from a task.
    public func performAndWait<Result>(_ body: (Outbox) throws -> Result) rethrows -> Result {
        try writer.sync { try body(self) }
    }
}
