import Foundation
import HoistWatchBoardTestKit
import HoistWatchConfig
import HoistWatchCore
import HoistWatchTestSupport
import Logging
import Testing

@testable import HoistWatchBoard

/// `hoistwatch record`'s loop on a GPIO board with the bit-banged load cell (fake libgpiod, paced by the real
/// clock): the trace decodes as trace.md says, with the edges and the load samples merged by time.
@Suite(.serialized) struct BoardRecordingTests {
    @Test func aRecordingHoldsTheEdgesAndTheLoadSamplesInTimeOrder() async throws {
        let label = FakeGpioBoard.uniqueLabel("pinctrl-bcm2711")
        let fake = FakeGpioBoard.paced(chips: [.init(name: "gpiochip-" + label, label: label, lineCount: 58)])
        let hx711 = FakeHX711(chip: label, doutLine: 9, sckLine: 10) { _ in -1_234 }
        fake.attach(hx711)
        fake.setLevel(chip: label, offset: 22, 0)  // door closed (active-low)
        let profile = BoardProfile(
            inputs: [
                .encA: .init(chip: .label(label), offset: 17, activeLow: false, bias: .pullUp),
                .encB: .init(chip: .label(label), offset: 27, activeLow: false, bias: .pullUp),
                .doorClosed: .init(chip: .label(label), offset: 22, activeLow: true, bias: .pullUp),
            ], loadCell: .gpio(chip: .label(label), doutLine: 9, sckLine: 10))
        let calibration = Calibration(
            equipment: .elevator, deviceId: "dev", countsPerMeter: 4000, loadRawZero: 0, loadRawPerKg: 1, ratedKg: 1000,
            ratedSpeedMps: 1, levelsM: [0, 3], wiredInputs: [.encA, .encB, .doorClosed], wiredAdc: [.load])
        let board = try GpioBoard.open(
            name: "test", profilePath: "test.toml", profile: profile, calibration: calibration, deviceId: "dev",
            gpiod: .v1(FakeGpiod.functions), readSysfs: SysfsAttribute.read, logger: Logger(label: "test"))
        let origin = try #require(board.originMonoNs)
        // The board is paced by the real clock: the edges come slower where the tests run slower (WallClockScale).
        let scale = Int64(WallClockScale.factor)
        var encoder = QuadratureScript(chip: label, lineA: 17, lineB: 27, startNs: fake.currentNs + 50_000_000 * scale)
        var script = encoder.next(300, periodNs: 2_000_000 * scale)
        script.append(.init(chip: label, offset: 22, atNs: encoder.lastNs + 1_000_000 * scale, level: 1))
        fake.script(script)

        // At least 0.9 s (the encoder's edges end after 0.65 s), and until the load cell has given 5 good samples
        // (10 per second unloaded): on a busy machine preempted bit-bang reads are discarded and retried, which
        // costs conversions. 20 s at most.
        let written = BytesBox()
        let start = ContinuousClock.now
        let summary = await BoardRecording.record(
            board, header: board.header, write: { written.append($0) }, flush: {},
            stopRequested: {
                let elapsed = ContinuousClock.now - start
                let load = board.inputCounters?.loadCell ?? LoadCellCounters()
                return (elapsed > .seconds(WallClockScale.seconds(0.9)) && load.samples - load.failedSamples >= 5)
                    || elapsed > .seconds(WallClockScale.seconds(20))
            })
        #expect(summary.failure == nil)

        var decoder = TraceDecoder()
        var decoded: [InputEvent] = []
        for line in written.bytes.split(separator: 0x0A) {
            let event = try Array(line).withUnsafeBufferPointer { buffer throws(InputError) in
                try decoder.decode(buffer)
            }
            if let event { decoded.append(event) }
        }
        let header = try #require(decoder.header)
        #expect(header.initialLevels == [.encA: 0, .encB: 0, .doorClosed: 1])
        #expect(Int64(decoded.count) == summary.events)
        let edges = decoded.filter { $0.source != .adc(.load) }
        #expect(edges.map(\.tNs) == script.map { $0.atNs - origin })
        #expect(edges.last == .level(.doorClosed, 0, atNs: script.last!.atNs - origin))
        let samples = decoded.filter { $0.source == .adc(.load) }
        // Under emulation (`make verify-arm64`) each libgpiod call is so slow that most bit-banged reads miss the
        // HX711's 60 us PD_SCK limit and are discarded as failed samples: a known issue there, reported as one.
        withKnownIssue("the bit-banged HX711 misses its timing under emulation", isIntermittent: true) {
            #expect(samples.count >= 5 && samples.compactMap(\.raw).count >= 4, "\(samples.map(\.raw))")
        } when: {
            WallClockScale.factor > 1
        }
        #expect(samples.compactMap(\.raw).allSatisfy { $0 == -1_234 })
        #expect(summary.counters?.loadCell?.samples == Int64(samples.count))
        #expect(fake.requestedLines == 5, "the board's lines stay requested until it is released")
    }
}

/// Bytes written by the recording, collected.
final class BytesBox: @unchecked Sendable {
    // @unchecked Sendable: appended to by the recording loop only, read after it returned.
    private(set) var bytes: [UInt8] = []
    func append(_ more: [UInt8]) { bytes += more }
}
