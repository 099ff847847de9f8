import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// Where the suites run their CPU-heavy work (a whole scenario simulated and replayed): one serial thread outside
/// Swift's cooperative pool, scheduled SCHED_IDLE. Swift Testing runs tests in parallel as tasks on that pool, which
/// has one thread per core; a test that computes for seconds on it holds one of them, and two such tests hold them
/// all, so the broker tests' actors and timers beside them starve. Here the heavy work uses at most one core, and only
/// what the real-time tests beside it (a fake board paced by the wall clock, a plant the wizards watch) leave idle.
public enum CPUBoundWork {
    private static let queue = DispatchQueue(label: "hoistwatch.tests.cpu-bound")

    /// Runs `body` on the serial thread; the calling task is suspended meanwhile.
    public static func run<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                yieldToEverythingElse()
                continuation.resume(with: Swift.Result { try body() })
            }
        }
    }

    /// The calling thread runs only when no other thread wants the CPU (SCHED_IDLE; on Linux, pid 0 is this thread).
    private static func yieldToEverythingElse() {
        #if os(Linux)
        var parameters = sched_param()
        parameters.sched_priority = 0
        _ = sched_setscheduler(0, 5, &parameters)  // SCHED_IDLE (5), which Glibc's Swift module leaves out
        #endif
    }
}
