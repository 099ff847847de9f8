import HoistWatchBoardTestKit
import HoistWatchConfig
import HoistWatchCore
import HoistWatchSystem
import Logging
import Testing

@testable import HoistWatchBoard

#if canImport(Glibc)
import Glibc
#endif

/// The GPIO board as the detection loop's input, on the fake libgpiod: the production wrapper, backend and reader
/// thread, with the fake's virtual clock.
struct GpioBoardTests {
    enum Api: String, CaseIterable, CustomTestStringConvertible {
        case v1, v2
        var testDescription: String { rawValue }
    }

    /// A fake chip, and a profile mapping the encoder and the door contacts on it.
    struct Rig {
        let label = FakeGpioBoard.uniqueLabel("pinctrl-bcm2711")
        let fake: FakeGpioBoard

        init() {
            fake = FakeGpioBoard(chips: [.init(name: "gpiochip-" + label, label: label, lineCount: 58)])
        }

        var profile: BoardProfile {
            func line(_ offset: UInt32, activeLow: Bool) -> BoardProfile.Line {
                BoardProfile.Line(chip: .label(label), offset: offset, activeLow: activeLow, bias: .pullUp)
            }
            return BoardProfile(inputs: [
                .encA: line(17, activeLow: false), .encB: line(27, activeLow: false),
                .doorClosed: line(22, activeLow: true), .doorZone: line(23, activeLow: true),
            ])
        }

        var calibration: Calibration {
            Calibration(
                equipment: .elevator, deviceId: "dev", countsPerMeter: 4000, loadRawZero: 0, loadRawPerKg: 1,
                ratedKg: 1000, ratedSpeedMps: 1, levelsM: [0, 3], wiredInputs: [.encA, .encB, .doorClosed, .doorZone],
                wiredAdc: [])
        }

        func board(api: GpioBoardTests.Api = .v1) throws -> GpioBoard {
            try GpioBoard(
                name: "test-board", profile: profile, calibration: calibration, deviceId: "dev",
                source: api == .v1 ? fake.source : fake.sourceV2, logger: Logger(label: "test"))
        }
    }

    /// Reads every 10 ms (at most 500 times) until `done` says so; returns every input and the last horizon. The
    /// board is not stopped.
    static func read(
        _ board: GpioBoard, until done: (BoardProgress) -> Bool
    ) async -> (inputs: [BoardInput], horizonNs: Int64) {
        var board = board
        var inputs: [BoardInput] = []
        var horizon: Int64 = 0
        var turns = 0
        await BoardPolling.poll(&board, every: .milliseconds(10), stopsBoard: false) { turn in
            inputs += turn.inputs
            turns += 1
            if case .running(let horizonNs) = turn.progress {
                #expect(horizonNs >= horizon, "the horizon never moves back")
                horizon = horizonNs
            }
            return !done(turn.progress) && turns < 500
        }
        return (inputs, horizon)
    }

    /// Reads until the horizon has passed `boardNs` (the reader thread runs the fake's clock ahead meanwhile).
    static func read(
        _ board: GpioBoard, through boardNs: Int64
    ) async throws -> (events: [InputEvent], horizonNs: Int64) {
        let (inputs, horizon) = await read(board) { progress in
            guard case .running(let horizonNs) = progress else {
                Issue.record("unexpected \(progress)")
                return true
            }
            return horizonNs > boardNs
        }
        return (inputs.compactMap(\.event), horizon)
    }

    @Test func theHeaderHasTheLevelsAtOpenAndEventsComeInBoardTimeInOrder() async throws {
        let rig = Rig()
        // The door contact pulls its pin low when closed (active-low): electrical 0 = closed = logical 1.
        rig.fake.setLevel(chip: rig.label, offset: 22, 0)
        rig.fake.setLevel(chip: rig.label, offset: 23, 1)
        let board = try rig.board()
        #expect(board.header.initialLevels == [.encA: 0, .encB: 0, .doorClosed: 1, .doorZone: 0])
        #expect(board.originMonoNs != nil)
        let origin = try #require(board.originMonoNs)
        var encoder = QuadratureScript(chip: rig.label, lineA: 17, lineB: 27, startNs: origin + 20_000_000)
        var script = encoder.next(40, periodNs: 250_000)
        script.append(FakeGpioBoard.Edge(chip: rig.label, offset: 22, atNs: origin + 40_000_000, level: 1))
        rig.fake.script(script)
        try board.start()
        let (events, horizon) = try await Self.read(board, through: 40_000_000)
        board.stop()
        #expect(events.map(\.tNs) == script.map { $0.atNs - origin })
        #expect(events.last == .level(.doorClosed, 0, atNs: 40_000_000), "door opened: logical 0")
        #expect(events.filter { $0.source == .line(.encA) || $0.source == .line(.encB) }.count == 40)
        #expect(horizon > 40_000_000)
        let counters = try #require(board.inputCounters)
        #expect(counters.gpio.edges == 41 && counters.gpio.lostEdges == 0 && counters.lateInputs == 0)
        #expect(rig.fake.requestedLines == 4)
    }

    @Test func aLostEdgeIsReportedWithTheEventsThatCameWithIt() async throws {
        let rig = Rig()
        rig.fake.setLevel(chip: rig.label, offset: 23, 1)  // out of the zone
        let board = try rig.board()
        let origin = try #require(board.originMonoNs)
        // door_zone (active-low) twice to the same level: the edge between was lost.
        rig.fake.script([
            FakeGpioBoard.Edge(chip: rig.label, offset: 23, atNs: origin + 20_000_000, level: 0),
            FakeGpioBoard.Edge(chip: rig.label, offset: 23, atNs: origin + 30_000_000, level: 0),
        ])
        try board.start()
        let (inputs, _) = await Self.read(board) { progress in
            if case .running(let horizonNs) = progress { return horizonNs > 30_000_000 }
            return false
        }
        board.stop()
        #expect(inputs.first == .event(.level(.doorZone, 1, atNs: 20_000_000)))
        #expect(inputs.contains(.event(.level(.doorZone, 1, atNs: 30_000_000))), "passed on as the kernel said")
        let loss = inputs.compactMap { input -> (InputLossCounts, Int64)? in
            if case .inputLoss(let totals, let atNs) = input { return (totals, atNs) }
            return nil
        }
        #expect(loss.count == 1)
        #expect(loss.first?.0 == InputLossCounts(lostEdges: 1))
        #expect(loss.first?.1 == 30_000_000, "at the edge that showed it")
        #expect(inputs.firstIndex { if case .inputLoss = $0 { return true } else { return false } } == 1, "before it")
        #expect(board.inputCounters?.gpio.lostEdges == 1)
    }

    @Test func aLineHeldByAnotherProgramFailsTheOpenNamingIt() throws {
        let rig = Rig()
        rig.fake.failNext("gpiod_line_request_bulk", errno: EBUSY)
        #expect {
            _ = try rig.board()
        } throws: { error in
            let gpio = error as? GpioError
            return gpio?.code == .lineBusy && "\(error)".contains("chip \"\(rig.label)\"")
        }
        #expect(rig.fake.requestedLines == 0 && rig.fake.openChips == 0)
    }

    @Test func aReadFailureEndsTheBoardWithWhatWasReadHandedOn() async throws {
        let rig = Rig()
        let board = try rig.board()
        rig.fake.failNext("gpiod_line_event_wait_bulk", errno: EIO)
        try board.start()
        var failed: String?
        _ = await Self.read(board) { progress in
            if case .failed(let message) = progress { failed = message }
            return failed != nil
        }
        board.stop()
        #expect(failed?.contains("gpiod_line_event_wait_bulk failed") == true, "\(failed ?? "no failure")")
    }

    /// Reads `board` until `done` holds (at most 5,000 times, 1 ms apart: the reader thread runs the fake's
    /// virtual clock ahead meanwhile); returns whether it did, and the input events read.
    @discardableResult
    static func readUntil(_ board: GpioBoard, _ done: () -> Bool) async -> (held: Bool, events: [InputEvent]) {
        var board = board
        var held = false
        var events: [InputEvent] = []
        var turns = 0
        await BoardPolling.poll(&board, every: .milliseconds(1), stopsBoard: false) { turn in
            events += turn.events
            turns += 1
            held = done()
            return !held && turns < 5_000
        }
        return (held, events)
    }

    /// An idle board: the reader thread waits on the lines' descriptors until the next re-read of the levels
    /// (once a second, and once more the settle time after it to compare), not every tick of the grid.
    @Test(arguments: Api.allCases)
    func anIdleReaderWakesOnlyForTheResync(api: Api) async throws {
        let rig = Rig()
        let board = try rig.board(api: api)
        let origin = try #require(board.originMonoNs)
        try board.start()
        let ran = await Self.readUntil(board) { rig.fake.currentNs - origin >= 10_000_000_000 }.held
        board.stop()
        #expect(ran, "the virtual clock ran 10 s")
        let seconds = Double(rig.fake.currentNs - origin) / 1e9
        let waits = Double(rig.fake.callCounts["ppoll"] ?? 0)
        #expect(waits / seconds <= 2.5, "\(waits) waits in \(seconds) s (the 10 ms quiet timeout was 100/s)")
        #expect(waits >= 10, "it did wait for the re-reads")
        #expect((board.inputCounters?.gpio.resyncs ?? 0) >= 9)
    }

    /// The board wakes the loop for an edge with the edge's board time (the loop evaluates from its tick on), once
    /// per read for the earliest input.
    @Test func anEdgeWakesTheLoopWithItsTime() async throws {
        let rig = Rig()
        rig.fake.setLevel(chip: rig.label, offset: 23, 1)
        let board = try rig.board()
        let origin = try #require(board.originMonoNs)
        let woken = Locked<[Int64]>([])
        board.wakeOnInput { boardNs in woken.withLock { $0.append(boardNs) } }
        #expect(board.wakesOnInput)
        rig.fake.script([
            FakeGpioBoard.Edge(chip: rig.label, offset: 23, atNs: origin + 25_000_000, level: 0),
            FakeGpioBoard.Edge(chip: rig.label, offset: 23, atNs: origin + 25_500_000, level: 1),
        ])
        try board.start()
        let (came, first) = await Self.readUntil(board) { !woken.withLock { $0 }.isEmpty }
        let (events, _) = try await Self.read(board, through: 26_000_000)
        board.stop()
        #expect(came)
        #expect(woken.withLock { $0 }.first == 25_000_000)
        #expect((first + events).map(\.tNs) == [25_000_000, 25_500_000])
    }

    /// The board VM's finding: a contact chatters and the kernel misses one of its edges early in a batch; the
    /// batch ends 29 edges later. The loss must reach the engine at the edge that showed it, so `sensor_fault` is
    /// raised with `gpio_lost_edges` at that tick, not after the chatter (21 changes in 1 s) raised it without.
    @Test(arguments: Api.allCases)
    func aLossInAChatteringContactIsNotedWhereItShowed(api: Api) async throws {
        let rig = Rig()
        rig.fake.setLevel(chip: rig.label, offset: 22, 0)  // door closed (active-low)
        rig.fake.setLevel(chip: rig.label, offset: 23, 1)
        let board = try rig.board(api: api)
        let origin = try #require(board.originMonoNs)
        // 30 changes 20 ms apart from 100 ms; the second is never reported; all reach the FIFO at 790 ms (the
        // reader was held off), so one read takes them all.
        var script: [FakeGpioBoard.Edge] = []
        for index in 0..<30 {
            let atNs = origin + 100_000_000 + Int64(index) * 20_000_000
            script.append(
                FakeGpioBoard.Edge(
                    chip: rig.label, offset: 22, atNs: atNs, level: UInt8((index + 1) % 2), reported: index != 1,
                    latencyNs: origin + 790_000_000 - atNs))
        }
        // v1 keeps 16 events per line (its kernel would drop the rest): the first 16 changes, one read of 15 events,
        // no chatter, but the loss still has to be noted at 140 ms, not at the batch's last edge (380 ms).
        if api == .v1 { script = Array(script.prefix(16)) }
        rig.fake.script(script)
        var engine = DetectionEngine(
            calibration: rig.calibration, header: board.header, stamper: .replay(deviceId: "dev", seed: 1))
        var events: [Event] = []
        try board.start()
        var reading = board
        await BoardPolling.poll(&reading, every: .milliseconds(1), stopsBoard: false) { turn in
            for input in turn.inputs {
                switch input {
                case .event(let event): engine.process(event, into: &events)
                case .inputLoss(let totals, let atNs): engine.noteInputLoss(totals, atNs: atNs, into: &events)
                }
            }
            guard case .running(let horizonNs) = turn.progress else { return false }
            // The fake's clock is virtual: between two turns of a test that waits for a thread of the pool (a full
            // pass on a loaded machine), the reader's timed waits may have run it far past the window. The engine
            // goes only to the window's end: to the horizon, each turn's ticks grew with the wait before it, and the
            // wait with them, until both test cases held the pool's two threads for good.
            let windowNs: Int64 = 1_200_000_000
            if horizonNs > 0 { engine.advance(toNs: min(horizonNs, windowNs) - 1, into: &events) }
            return horizonNs <= windowNs
        }
        board.stop()
        let raised = try #require(events.first { $0.type == .sensorFault && $0.transition == .raised })
        guard case .texts(let causes) = raised.data["causes"] else {
            Issue.record("no causes in \(raised.data)")
            return
        }
        #expect(causes.contains("gpio_lost_edges"), "\(causes)")
        #expect(raised.monoNs == 140_000_000, "at the tick of the edge that showed the loss")
        #expect(board.inputCounters?.gpio.lostEdges == 1)
    }
}
