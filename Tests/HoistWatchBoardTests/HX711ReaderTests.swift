import HoistWatchBoard
import HoistWatchCore
import Testing

/// The discard-and-retry policy: scripted attempts in, the exact actions out.
@Suite struct HX711ReaderTests {
    static let good = HX711Read(
        levels: HX711FrameTests.levels("0000_0001 1110_0010 0100_0000") + [true],
        timing: HX711TimingTests.timing())
    static let preempted = HX711Read(
        levels: good.levels, timing: HX711TimingTests.timing { $0.pulses[10].highMaxNs = 52_000 })
    static let poweredDown = HX711Read(
        levels: Array(good.levels.prefix(11)),
        timing: HX711TimingTests.timing(pulses: 11) { $0.pulses[10].highMaxNs = 90_000 })

    static func saturated(_ code: UInt32) -> HX711Read {
        let levels = (0..<24).map { code >> UInt32(23 - $0) & 1 == 1 }
        return HX711Read(levels: levels + [true], timing: HX711TimingTests.timing())
    }

    @Test func aGoodReadIsEmittedAtOnce() {
        var reader = HX711Reader()
        #expect(reader.finished(.read(Self.good), atNs: 7) == .emit(.sample(.load, raw: 123_456, atNs: 7)))
        #expect(reader.counters.samples == 1)
        #expect(reader.counters.discardedReads == 0)
    }

    @Test(arguments: [0, 1, 3])
    func badReadsAreRetriedUpToMaxRetriesThenTheSampleFails(maxRetries: Int) {
        var reader = HX711Reader(maxRetries: maxRetries)
        for attempt in 0..<maxRetries {
            #expect(
                reader.finished(.read(Self.preempted), atNs: Int64(attempt))
                    == .retry(.clockHighTooLong(pulse: 11, highNs: 52_000)))
        }
        #expect(reader.finished(.read(Self.preempted), atNs: 99) == .emit(.sample(.load, raw: nil, atNs: 99)))
        #expect(reader.counters.discardedReads == maxRetries + 1)
        #expect(reader.counters.retries == maxRetries)
        #expect(reader.counters.failedSamples == 1)
        // The next sample starts with a full allowance again.
        if maxRetries > 0 {
            #expect(
                reader.finished(.read(Self.preempted), atNs: 100)
                    == .retry(.clockHighTooLong(pulse: 11, highNs: 52_000)))
        }
        #expect(reader.finished(.read(Self.good), atNs: 200) == .emit(.sample(.load, raw: 123_456, atNs: 200)))
    }

    @Test func aRetryThatSucceedsGivesTheGoodValue() {
        var reader = HX711Reader(maxRetries: 2)
        #expect(reader.finished(.read(Self.poweredDown), atNs: 1) == .retry(.poweredDown(pulse: 11, highNs: 90_000)))
        #expect(reader.finished(.read(Self.good), atNs: 2) == .emit(.sample(.load, raw: 123_456, atNs: 2)))
        #expect(reader.counters.powerDowns == 1)
        #expect(reader.counters.failedSamples == 0)
    }

    @Test(arguments: [UInt32(0x80_0000), 0x7F_FFFF])
    func saturationIsAFailedSampleWithoutRetry(code: UInt32) {
        var reader = HX711Reader(maxRetries: 3)
        let action = reader.finished(.read(Self.saturated(code)), atNs: 5)
        #expect(action == .emit(.sample(.load, raw: nil, atNs: 5)))
        guard case .emit(let event) = action else { return }
        #expect(event.value == InputEvent.failedReadSentinel)
        #expect(reader.counters.saturated == 1)
        #expect(reader.counters.retries == 0)
    }

    @Test func aChipThatNeverSignalsReadyIsAFailedSampleWithoutRetry() {
        var reader = HX711Reader(maxRetries: 3)
        #expect(reader.finished(.notReady, atNs: 150) == .emit(.sample(.load, raw: nil, atNs: 150)))
        #expect(reader.counters.notReady == 1)
        #expect(reader.counters.failedSamples == 1)
    }
}
