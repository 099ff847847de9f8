import Dispatch

/// Where the suites run their CPU-heavy work (a whole scenario simulated and replayed): one serial thread outside
/// Swift's cooperative pool. Swift Testing runs tests in parallel as tasks on that pool, which has one thread per
/// core; a test that computes for seconds on it holds one of them, and two such tests hold them all, so the broker
/// tests' actors and timers beside them starve. Here the heavy work uses at most one core, and the pool stays free.
public enum CPUBoundWork {
    private static let queue = DispatchQueue(label: "hoistwatch.tests.cpu-bound")

    /// Runs `body` on the serial thread; the calling task is suspended meanwhile.
    public static func run<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Swift.Result { try body() }) }
        }
    }
}
