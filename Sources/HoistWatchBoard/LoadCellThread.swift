import HoistWatchCore
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads a load cell on a thread of its own, one sample after the other, at the chip's own pace (each read waits
/// for the next conversion: 10 SPS, or 80 SPS with the HX711's RATE pin high), and hands every sample to a consumer.
/// After a failed sample it pauses one conversion period, so a chip that stopped answering gives failed samples
/// at about its rate (the detectors' `adc_failing` needs 1 s of them), not in a tight loop.
public final class LoadCellThread: @unchecked Sendable {
    // @unchecked Sendable: `sampler` is used by the thread only (between `start` and the join in `stop`); `shared`
    // is behind its own lock.

    /// The pause after a failed sample (one conversion period at 10 SPS).
    public static let failedReadPauseNs: Int64 = 100_000_000

    private let sampler: any LoadCellSampler
    private let logger: Logger
    private let shared = Locked(Shared())
    private let joining = Locked(())

    private struct Shared {
        var stopRequested = false
        var thread: pthread_t?
        var running = false
    }

    /// A thread for `sampler` (not started).
    public init(sampler: any LoadCellSampler, logger: Logger) {
        self.sampler = sampler
        self.logger = logger
    }

    /// Starts the thread: `consumer` gets every sample with the counters after it, on that thread.
    public func start(consumer: @escaping @Sendable (InputEvent, LoadCellCounters) -> Void) {
        let alreadyRunning = shared.withLock { state -> Bool in
            if state.running { return true }
            state.running = true
            state.stopRequested = false
            return false
        }
        precondition(!alreadyRunning, "LoadCellThread.start called twice")
        let body: @Sendable () -> Void = { [self] in run(consumer: consumer) }
        let context = Unmanaged.passRetained(LoadCellThreadBody(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            Unmanaged<LoadCellThreadBody>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, context)
        if rc == 0 {
            shared.withLock { $0.thread = thread }
        } else {
            Unmanaged<LoadCellThreadBody>.fromOpaque(context).release()
            shared.withLock { $0.running = false }
            logger.error("the load cell thread could not be started",
                         metadata: ["error": "\(String(cString: strerror(rc)))"])
        }
    }

    /// Ends the thread after its current read (up to about a second when the chip does not answer) and waits for
    /// it. Safe to call more than once.
    public func stop() {
        joining.withLock { _ in
            let thread = shared.withLock { state -> pthread_t? in
                state.stopRequested = true
                defer { state.thread = nil }
                return state.thread
            }
            if let thread { pthread_join(thread, nil) }
        }
    }

    private func run(consumer: @Sendable (InputEvent, LoadCellCounters) -> Void) {
        logger.info("load cell reader started")
        var failing = false
        while !shared.withLock({ $0.stopRequested }) {
            let event = sampler.sample()
            consumer(event, sampler.counters)
            if event.raw == nil {
                let reason = sampler.takeFailureReason() ?? "no reason given"
                if !failing {
                    // Once per failing spell: the detectors report it (sensor_fault), the log says why.
                    logger.info("load cell read failed", metadata: ["load.reason": "\(reason)"])
                    failing = true
                }
                var pause = timespec(tv_sec: 0, tv_nsec: Int(Self.failedReadPauseNs))
                nanosleep(&pause, nil)
            } else if failing {
                logger.info("load cell reads again")
                failing = false
            }
        }
        shared.withLock { $0.running = false }
        let counters = sampler.counters
        logger.info("load cell reader stopped", metadata: [
            "load.samples": "\(counters.samples)", "load.failed_samples": "\(counters.failedSamples)",
        ])
    }
}

/// The thread's closure, passed through `pthread_create`'s context pointer.
private final class LoadCellThreadBody: Sendable {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}
