import HoistWatchCore
import HoistWatchSystem
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
    private let thread = PosixThread()

    /// A thread for `sampler` (not started).
    public init(sampler: any LoadCellSampler, logger: Logger) {
        self.sampler = sampler
        self.logger = logger
    }

    /// Starts the thread: `consumer` gets every sample with the counters after it, on that thread.
    public func start(consumer: @escaping @Sendable (InputEvent, LoadCellCounters) -> Void) {
        let rc = thread.start("LoadCellThread") { [self] in run(consumer: consumer) }
        if rc != 0 {
            logger.error(
                "the load cell thread could not be started",
                metadata: ["error": "\(String(cString: strerror(rc)))"])
        }
    }

    /// Ends the thread after its current read (up to about a second when the chip does not answer) and waits for
    /// it. Safe to call more than once.
    public func stop() {
        thread.stop()
    }

    private func run(consumer: @Sendable (InputEvent, LoadCellCounters) -> Void) {
        logger.info("load cell reader started")
        var failing = false
        while !thread.isStopRequested {
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
        let counters = sampler.counters
        logger.info(
            "load cell reader stopped",
            metadata: [
                "load.samples": "\(counters.samples)", "load.failed_samples": "\(counters.failedSamples)",
            ])
    }
}
