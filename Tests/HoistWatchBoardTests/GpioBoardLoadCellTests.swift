import Foundation
import HoistWatchBoardTestKit
import HoistWatchConfig
import HoistWatchCore
import HoistWatchSystem
import HoistWatchTestSupport
import Logging
import Testing

@testable import HoistWatchBoard

/// The load cell on a GPIO board: samples from its own thread merged with the edges by time, both ways the profile
/// can say (`[hx711] mode = "gpio"`: bit-banged over the fake libgpiod with an HX711 model behind the lines;
/// `mode = "iio"`: a fake sysfs folder). The fake board is paced by the real clock: these run in real time.
@Suite(.serialized) struct GpioBoardLoadCellTests {
    struct Rig {
        let label = FakeGpioBoard.uniqueLabel("pinctrl-bcm2711")
        let fake: FakeGpioBoard

        init() {
            fake = FakeGpioBoard.paced(chips: [.init(name: "gpiochip-" + label, label: label, lineCount: 58)])
        }

        func profile(loadCell: BoardProfile.LoadCellWiring) -> BoardProfile {
            BoardProfile(
                inputs: [
                    .encA: .init(chip: .label(label), offset: 17, activeLow: false, bias: .pullUp),
                    .encB: .init(chip: .label(label), offset: 27, activeLow: false, bias: .pullUp),
                ], loadCell: loadCell)
        }

        var calibration: Calibration {
            Calibration(
                equipment: .elevator, deviceId: "dev", countsPerMeter: 4000, loadRawZero: 84_000,
                loadRawPerKg: 21.5, ratedKg: 1000, ratedSpeedMps: 1, levelsM: [0, 3],
                wiredInputs: [.encA, .encB], wiredAdc: [.load])
        }

        /// The board `hoistwatch run` would open on `profile`, through the fake libgpiod and `readSysfs`.
        func board(
            _ profile: BoardProfile, readSysfs: @escaping @Sendable (String) -> SysfsRead = SysfsAttribute.read
        )
            throws -> any BoardInputSource
        {
            try GpioBoard.open(
                name: "test-board", profilePath: "test.toml", profile: profile, calibration: calibration,
                deviceId: "dev", gpiod: .v1(FakeGpiod.functions), readSysfs: readSysfs, logger: Logger(label: "test"))
        }
    }

    /// Reads the board every 10 ms for `seconds`, and on until its load cell counters are `enough` (20 s at most:
    /// on a busy machine preempted bit-bang reads are discarded and retried, which costs conversions), then stops
    /// it; returns every input in the order handed on.
    static func collect(
        _ board: inout any BoardInputSource, seconds: Double,
        until enough: (LoadCellCounters) -> Bool
    ) async throws -> [InputEvent] {
        var events: [InputEvent] = []
        let start = ContinuousClock.now
        let minimum = start + .milliseconds(Int(seconds * 1000))
        let maximum = start + .seconds(WallClockScale.seconds(20))
        var horizon: Int64 = 0
        // Stopped, the board hands on what its threads read until then (as the detection loop's last turn does).
        await BoardPolling.poll(&board, every: .milliseconds(10)) { turn in
            events += turn.events
            if turn.isLast { return false }
            guard case .running(let horizonNs) = turn.progress else {
                Issue.record("unexpected \(turn.progress)")
                return false
            }
            #expect(horizonNs >= horizon)
            horizon = horizonNs
            return ContinuousClock.now < minimum
                || (!enough(turn.counters?.loadCell ?? LoadCellCounters()) && ContinuousClock.now < maximum)
        }
        return events
    }

    @Test func bitBangedSamplesComeMergedWithTheEdgesByTime() async throws {
        let rig = Rig()
        let chip = FakeHX711(chip: rig.label, doutLine: 9, sckLine: 10) { _ in 105_500 }
        rig.fake.attach(chip)
        var board = try rig.board(rig.profile(loadCell: .gpio(chip: .label(rig.label), doutLine: 9, sckLine: 10)))
        #expect(board.logMetadata["load.cell"]?.hasPrefix("hx711 gpio") == true)
        let origin = try #require(board.originMonoNs)
        // The board is paced by the real clock: the edges come slower where the tests run slower (WallClockScale).
        let scale = Int64(WallClockScale.factor)
        var encoder = QuadratureScript(
            chip: rig.label, lineA: 17, lineB: 27, startNs: rig.fake.currentNs + 50_000_000 * scale)
        let script = encoder.next(200, periodNs: 2_000_000 * scale)
        rig.fake.script(script)
        try board.start()
        let events = try await Self.collect(&board, seconds: WallClockScale.seconds(0.9)) {
            $0.samples - $0.failedSamples >= 5
        }

        #expect(zip(events, events.dropFirst()).allSatisfy { $0.tNs <= $1.tNs }, "one time-ordered stream")
        let edges = events.filter { $0.source != .adc(.load) }
        #expect(edges.map(\.tNs) == script.map { $0.atNs - origin })
        let samples = events.filter { $0.source == .adc(.load) }
        // 10 SPS for about 0.9 s; a read the test machine preempted past the datasheet's limits is retried, and
        // a sample whose retries all broke them is a failed one (raw null), never a wrong value.
        #expect(samples.count >= 5, "\(samples.count) samples")
        #expect(samples.compactMap(\.raw).allSatisfy { $0 == 105_500 })
        // Under emulation (`make verify-arm64`) most bit-banged reads miss the 60 us PD_SCK limit (each libgpiod call
        // is that slow there) and fail: a known issue there, reported as one.
        withKnownIssue("the bit-banged HX711 misses its timing under emulation", isIntermittent: true) {
            #expect(samples.compactMap(\.raw).count >= 4)
        } when: {
            WallClockScale.factor > 1
        }
        let counters = try #require(board.inputCounters)
        #expect(counters.loadCell?.samples == Int64(samples.count))
        #expect(counters.loadCell?.discardedReads != nil)
        #expect(rig.fake.inspect { chip.conversionsRead } >= samples.compactMap(\.raw).count)
    }

    @Test func iioSamplesAndDriverErrorsComeAsSamplesAndFailedReads() async throws {
        let rig = Rig()
        let folder = FileManager.default.temporaryDirectory.path + "/hx711-iio-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "hx711\n".write(toFile: folder + "/name", atomically: true, encoding: .utf8)
        try "0\n".write(toFile: folder + "/in_voltage0_raw", atomically: true, encoding: .utf8)
        let reads = Locked(0)
        // The driver blocks about a conversion period per read; the fourth and fifth reads fail with EIO.
        let readSysfs: @Sendable (String) -> SysfsRead = { path in
            if path.hasSuffix("/name") { return .text("hx711\n") }
            guard path.hasSuffix("/in_voltage0_raw") else { return .failed(errno: ENOENT) }
            usleep(100_000)
            let n = reads.withLock { count in
                count += 1
                return count
            }
            return n == 4 || n == 5 ? .failed(errno: EIO) : .text("\(84_000 + 8_388_608)\n")
        }
        var board = try rig.board(
            rig.profile(loadCell: .iio(device: folder, channel: "in_voltage0_raw")),
            readSysfs: readSysfs)
        #expect(board.logMetadata["load.cell"] == "hx711 iio \(folder)/in_voltage0_raw")
        try board.start()
        let events = try await Self.collect(&board, seconds: 1.0) { $0.samples >= 6 }
        let samples = events.filter { $0.source == .adc(.load) }
        #expect(samples.count >= 6, "\(samples.count)")
        #expect(samples.prefix(3).allSatisfy { $0.raw == 84_000 })
        #expect(samples.count > 4 && samples[3].raw == nil && samples[4].raw == nil)
        let counters = try #require(board.inputCounters)
        #expect(counters.loadCell?.failedSamples == 2)
        #expect(counters.loadCell?.discardedReads == nil, "the kernel's reads are not judged")
    }

    @Test func aMissingIIODeviceIsABoardOpenErrorNamingIt() throws {
        let rig = Rig()
        #expect {
            _ = try rig.board(
                rig.profile(loadCell: .iio(device: "/nonexistent/iio:device7", channel: "in_voltage0_raw")))
        } throws: { error in
            let text = "\(error)"
            return error is BoardOpenError && text.contains("cannot open the load cell of board profile test.toml")
                && text.contains("/nonexistent/iio:device7 does not exist")
        }
        #expect(rig.fake.requestedLines == 0)
    }
}
