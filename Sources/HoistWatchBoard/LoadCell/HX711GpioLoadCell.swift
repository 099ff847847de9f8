import HoistWatchConfig
import HoistWatchCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The HX711 bit-banged over two libgpiod lines (`[hx711] mode = "gpio"`): `HX711BitBang` drives the protocol
/// through its `HX711Port` closures, which write PD_SCK and read DOUT through libgpiod (`GpiodHX711Lines` for v1,
/// `GpiodV2HX711Lines` for v2); `HX711Reader`
/// judges every read against the datasheet, retries or gives a failed sample. Samples are stamped with the
/// moment DOUT was seen low, on CLOCK_MONOTONIC. Used from one thread (`LoadCellThread`).
public final class HX711GpioLoadCell: LoadCellSampler {
    private let lines: any HX711LinePort
    private let port: HX711Port
    private var bitBang: HX711BitBang
    private var reader = HX711Reader()
    private let idle: () -> Void
    /// The rest before a conversion is due (`HX711ConversionPacing`); nil: `idle` until then.
    private let pause: ((Int64) -> Void)?
    private var failureReason: String?
    /// Samples turned into failed ones because a line could not be written or read.
    private var failedByLines: Int64 = 0

    /// Requests `sckLine` (output, low) and `doutLine` (input) of `chip` through `source`'s libgpiod v1. `idle`
    /// is called between polls of DOUT and while a reset holds PD_SCK high (default: sleep 1 ms); `pause(ns)` rests
    /// until shortly before the next conversion is due (a board passes `sleep(ns:)`; nil: `idle` until then).
    public convenience init(
        chip: BoardProfile.Chip, doutLine: UInt32, sckLine: UInt32, source: GpiodV1LineSource,
        consumer: String = "hoistwatch", bitBang: HX711BitBang = HX711BitBang(),
        idle: @escaping () -> Void = HX711GpioLoadCell.sleepOneMillisecond,
        pause: ((Int64) -> Void)? = nil
    ) throws(GpioError) {
        self.init(
            lines: try GpiodHX711Lines(
                chip: chip, doutLine: doutLine, sckLine: sckLine,
                functions: source.functions, consumer: consumer),
            bitBang: bitBang, idle: idle, pause: pause)
    }

    /// The same through `source`'s libgpiod v2 (one request of both lines).
    public convenience init(
        chip: BoardProfile.Chip, doutLine: UInt32, sckLine: UInt32, source: GpiodV2LineSource,
        consumer: String = "hoistwatch", bitBang: HX711BitBang = HX711BitBang(),
        idle: @escaping () -> Void = HX711GpioLoadCell.sleepOneMillisecond,
        pause: ((Int64) -> Void)? = nil
    ) throws(GpioError) {
        self.init(
            lines: try GpiodV2HX711Lines(
                chip: chip, doutLine: doutLine, sckLine: sckLine,
                functions: source.functions, consumer: consumer),
            bitBang: bitBang, idle: idle, pause: pause)
    }

    private init(
        lines: any HX711LinePort, bitBang: HX711BitBang, idle: @escaping () -> Void, pause: ((Int64) -> Void)?
    ) {
        self.lines = lines
        port = HX711Port(
            setClock: { lines.setClock($0) }, readData: { lines.readData() },
            nowNs: { lines.monotonicNs() })
        self.bitBang = bitBang
        self.idle = idle
        self.pause = pause
    }

    /// One sample: waits for a conversion, clocks it out, retries reads that broke a limit (at most 3).
    public func sample() -> InputEvent {
        let before = reader.counters
        var event = bitBang.sample(port, reader: &reader, idle: idle, pause: pause)
        if let failure = lines.takeFailure() {
            // A write or read of the lines failed during the sample: whatever was clocked out cannot be trusted.
            failureReason = "\(failure)"
            if event.raw != nil {
                event = .sample(reader.channel, raw: nil, atNs: event.tNs)
                failedByLines += 1
            }
        } else if event.raw == nil {
            let after = reader.counters
            if after.notReady > before.notReady {
                failureReason = "DOUT stayed high: the HX711 did not answer (power, wiring, dout_line?)"
            } else if after.saturated > before.saturated {
                failureReason = "the HX711 is saturated: its input is out of range (overload, broken bridge wire)"
            } else {
                failureReason =
                    "\(after.discardedReads - before.discardedReads) reads broke the datasheet's timing "
                    + "(the thread was preempted): consider mode = \"iio\" or a real-time priority"
            }
        }
        return event
    }

    /// Samples handed on and failed (failed reads plus line failures), discarded reads and chip resets.
    public var counters: LoadCellCounters {
        var counters = LoadCellCounters()
        counters.samples = Int64(reader.counters.samples)
        counters.failedSamples = Int64(reader.counters.failedSamples) + failedByLines
        counters.discardedReads = Int64(reader.counters.discardedReads)
        counters.resets = Int64(bitBang.resets)
        return counters
    }

    /// The reader's own counts (retries, power-downs, saturated frames, not ready), for tests and the log.
    public var readCounters: HX711ReadCounters { reader.counters }

    /// Why the last failed sample failed (a timing limit broken, the chip not ready, a line error), once.
    public func takeFailureReason() -> String? {
        defer { failureReason = nil }
        return failureReason
    }

    /// Sleeps `ns` nanoseconds (the rest before a conversion is due).
    public static func sleep(ns: Int64) {
        var pause = timespec(tv_sec: Int(ns / 1_000_000_000), tv_nsec: Int(ns % 1_000_000_000))
        nanosleep(&pause, nil)
    }

    /// Sleeps 1 ms: a poll of DOUT every millisecond finds a conversion long before the next one replaces it.
    public static func sleepOneMillisecond() {
        var pause = timespec(tv_sec: 0, tv_nsec: 1_000_000)
        nanosleep(&pause, nil)
    }
}
