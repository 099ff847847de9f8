import CGpiod
import Foundation
import HoistWatchBoard
import HoistWatchBoardTestKit
import HoistWatchConfig
import HoistWatchCore
import Testing

extension FakeRig {
    /// The rig's lines named by the chip's path: v2 opens only that chip (a label makes it open every chip of
    /// every fake board in the process, as it would every /dev/gpiochip*, to read their labels).
    func lineByPath(_ offset: UInt32, activeLow: Bool = false, bias: BoardProfile.Bias = .pullUp) -> BoardProfile.Line {
        BoardProfile.Line(chip: .path("/dev/gpiochip-" + label), offset: offset, activeLow: activeLow, bias: bias)
    }

    /// `profile` by path.
    var profileByPath: BoardProfile {
        BoardProfile(inputs: [.encA: lineByPath(17), .encB: lineByPath(27), .doorZone: lineByPath(23, activeLow: true)])
    }

    /// The backend through the v2 wrapper on this rig's board.
    func backendV2(
        _ inputs: Set<InputName> = [.encA, .encB, .doorZone], profile: BoardProfile? = nil,
        eventBufferSize: Int = GpiodV2LineSource.defaultEventBufferSize,
        options: GpioInputBackend.Options = GpioInputBackend.Options()
    ) throws(GpioError) -> GpioInputBackend {
        try GpioInputBackend(
            profile: profile ?? profileByPath, inputs: inputs,
            source: board.sourceV2(eventBufferSize: eventBufferSize), options: options, logger: logger)
    }
}

/// The backend through the real v2 wrapper over the fake v2 C functions: what v2 makes exact (sequence numbers,
/// the oldest event dropped, the buffer size, the event clock), and the v1 tests' cases that v2 must pass too.
@Suite struct GpiodV2LineSourceTests {
    @Test(arguments: [20_000, 50_000])
    func keepsUpWithAnEncoder(edgesPerSecond: Int) throws {
        let rig = FakeRig()
        let backend = try rig.backendV2()
        var encoder = rig.encoder(startNs: rig.board.currentNs)
        let periodNs = Int64(1_000_000_000 / edgesPerSecond)
        var script = encoder.next(8_000, periodNs: periodNs, up: true)
        script += encoder.next(2_000, periodNs: periodNs, up: false)
        rig.board.script(script)

        let (events, counters) = try BoardFixtures.drain(backend, rig.board)
        #expect(events.map(\.tNs) == script.map(\.atNs))
        #expect(events.decoded() == (count: encoder.count, errors: 0))
        #expect(counters.edges == Int64(script.count))
        #expect(counters.lostEdges == 0)
        #expect(counters.overflowsSuspected == 0)
        #expect(counters.lateEdges == 0)
        #expect(rig.board.droppedEvents == 0)
        #expect(rig.board.readsOfEmptyFifo == 0)
    }

    /// The reader is descheduled while the encoder runs at 20,000 edges/s and a 16-event request buffer fills: the
    /// v2 kernel drops the *oldest* events and numbers every one, so each line's gap is an exact count, odd or even
    /// (v1 saw an even count only as a suspected overflow), and what comes out is the newest edges, in order.
    @Test(arguments: [(38, 11), (40, 12)])
    func aFullBufferDropsTheOldestEdgesAndTheGapIsCountedExactly(queued: Int, droppedPerLine: Int) throws {
        let rig = FakeRig()
        let backend = try rig.backendV2(eventBufferSize: 16)
        let startNs = rig.board.currentNs
        var encoder = rig.encoder(startNs: startNs)
        let script = encoder.next(400, periodNs: 50_000)
        rig.board.script(script)
        // The first `queued` edges reach the buffer before the reader runs again.
        rig.board.advance(byNs: Int64(queued) * 50_000 + 25_000)

        let (events, counters) = try BoardFixtures.drain(backend, rig.board, extraPumps: 15)
        #expect(rig.board.droppedEvents(chip: rig.label, offset: 17) == droppedPerLine)
        #expect(rig.board.droppedEvents(chip: rig.label, offset: 27) == droppedPerLine)
        #expect(counters.lostEdges == Int64(2 * droppedPerLine), "each line's sequence gap, counted as it is")
        #expect(counters.overflowsSuspected == 0, "nothing is suspected: it is counted")
        #expect(counters.quadratureErrors == 2, "one gap on each encoder line")
        #expect(counters.resyncCorrections == 0, "the newest edges were kept: the levels are right")
        #expect(events.map(\.tNs) == script.dropFirst(2 * droppedPerLine).map(\.atNs), "the oldest were dropped")
        #expect(rig.board.readsOfEmptyFifo == 0)
    }

    /// The same stall with the buffer sized for the encoder rate (`defaultEventBufferSize`): nothing is lost.
    @Test func theDefaultBufferHoldsAStallThatOverflowsV1() throws {
        let rig = FakeRig()
        let backend = try rig.backendV2()
        #expect(rig.board.requestV2(chip: rig.label, offset: 17)?.eventBufferSize == 1024)
        var encoder = rig.encoder(startNs: rig.board.currentNs)
        let script = encoder.next(2_000, periodNs: 50_000)
        rig.board.script(script)
        rig.board.advance(byNs: 45_000_000)  // 900 edges queued

        let (events, counters) = try BoardFixtures.drain(backend, rig.board)
        #expect(events.map(\.tNs) == script.map(\.atNs))
        #expect(counters.lostEdges == 0)
        #expect(rig.board.droppedEvents == 0)
    }

    /// The kernel's numbers are 32 bits: wrapping past 2^32 is not a gap. (The jump to just below 2^32 is one,
    /// for a reader that saw the numbers before it: what is compared is what crossing the wrap adds.)
    @Test func sequenceNumbersThatWrapAreNotAGap() throws {
        let rig = FakeRig()
        let backend = try rig.backendV2()
        rig.board.continueSequenceNumbers(at: UInt32.max - 4)
        var encoder = rig.encoder(startNs: rig.board.currentNs)
        rig.board.script(encoder.next(2, periodNs: 100_000))
        let (_, beforeWrap) = try BoardFixtures.drain(backend, rig.board)
        rig.board.script(encoder.next(20, periodNs: 100_000))
        let (events, counters) = try BoardFixtures.drain(backend, rig.board)
        #expect(events.count == 20)
        #expect(counters.lostEdges == beforeWrap.lostEdges, "crossing 2^32 lost nothing")
    }

    /// The edge dropped last on a line (no later edge of it to show its gap): the request-wide gap makes the
    /// backend re-read the levels at once, which corrects the line and counts the edge; a later gap on that line
    /// does not count it again.
    @Test func aLinesLastDroppedEdgeIsCorrectedAtOnceAndCountedOnce() throws {
        let rig = FakeRig()
        let backend = try rig.backendV2(eventBufferSize: 16)
        let startNs = rig.board.currentNs
        // door_zone (active-low, logical 1 at the start) changes once, then 16 encoder edges push it out.
        var script = [rig.edge(23, atNs: startNs + 100_000, level: 1)]
        var encoder = rig.encoder(startNs: startNs + 100_000)
        script += encoder.next(16, periodNs: 50_000)
        rig.board.script(script)
        rig.board.advance(byNs: 2_000_000)
        let (first, afterDrop) = try BoardFixtures.drain(backend, rig.board)
        #expect(rig.board.droppedEvents(chip: rig.label, offset: 23) == 1)
        #expect(first.of(.doorZone).map(\.1) == [0], "the correction: door_zone is 0 (active-low, pin high)")
        #expect(afterDrop.resyncCorrections == 1)
        #expect(afterDrop.lostEdges == 1)
        #expect(first.last!.tNs < startNs + 2_000_000 + 100_000_000, "re-read at once, not a second later")

        // The next door_zone edge carries the gap of 1, already counted by the correction.
        rig.board.script([rig.edge(23, atNs: rig.board.currentNs + 1_000_000, level: 0)])
        let (second, counters) = try BoardFixtures.drain(backend, rig.board)
        #expect(second.of(.doorZone).map(\.1) == [1])
        #expect(counters.lostEdges == 1)
    }

    /// One request for the chip, each line with its own settings; edges stamped on CLOCK_MONOTONIC, asked for.
    @Test func requestsEachLineAsTheProfileSaysInOneRequestOnTheMonotonicClock() throws {
        let rig = FakeRig()
        var profile = try rig.shipped("raspberry-pi-4")
        for (input, line) in profile.inputs {
            profile.inputs[input] = rig.lineByPath(line.offset, activeLow: line.activeLow, bias: line.bias)
        }
        let elevator = Set(Equipment.elevator.digitalInputs)
        for input in elevator { rig.board.setLevel(chip: rig.label, offset: profile.inputs[input]!.offset, 1) }
        let backend = try rig.backendV2(elevator, profile: profile)
        #expect(rig.board.callCounts["gpiod_chip_request_lines"] == 1)
        #expect(rig.board.requestedLines == elevator.count)
        for input in elevator {
            let line = profile.inputs[input]!
            let request = try #require(rig.board.requestV2(chip: rig.label, offset: line.offset))
            #expect(request.consumer == "hoistwatch")
            #expect(request.offsets.count == elevator.count)
            #expect(request.settings.direction == GPIOD_LINE_DIRECTION_INPUT)
            #expect(request.settings.edge == GPIOD_LINE_EDGE_BOTH)
            #expect(request.settings.bias == GPIOD_LINE_BIAS_PULL_UP, "\(input)")
            #expect(request.settings.activeLow == !input.isCounter, "\(input)")
            #expect(request.settings.eventClock == GPIOD_LINE_CLOCK_MONOTONIC, "\(input)")
            #expect(backend.initialLevels[input] == (input.isCounter ? 1 : 0), "\(input)")
        }
        let doorClosed = profile.inputs[.doorClosed]!.offset
        let edgeNs = rig.board.currentNs + 1_000
        rig.board.script([rig.edge(doorClosed, atNs: edgeNs, level: 0)])
        let (events, _) = try BoardFixtures.drain(backend, rig.board)
        #expect(events == [.level(.doorClosed, 1, atNs: edgeNs)], "the board's monotonic time, pulled low = closed")
    }

    @Test func releasesTheLinesAndClosesTheChips() throws {
        // Unlisted: a label search of a test running beside it would open and close this chip too.
        let rig = FakeRig(listed: false)
        do {
            let backend = try rig.backendV2()
            #expect(rig.board.requestedLines == 3)
            #expect(rig.board.openChips == 1)
            _ = try backend.pump()
        }
        #expect(rig.board.requestedLines == 0)
        #expect(rig.board.openChips == 0)
        #expect(rig.board.callCounts["gpiod_line_request_release"] == 1, "one request per chip")
        #expect(rig.board.callCounts["gpiod_chip_close"] == 1)
    }

    /// A chip by label: v2 opens the chips one by one to read their labels, and closes those it does not want.
    @Test func aChipByLabelIsFoundAndAMissingOneSaysWhatThereIs() throws {
        let rig = FakeRig()
        let backend = try rig.backendV2(profile: rig.profile)
        #expect(rig.board.openChips == 1)
        withExtendedLifetime(backend) {}
        var profile = rig.profileByPath
        profile.inputs[.encA] = BoardProfile.Line(
            chip: .label("pinctrl-nowhere"), offset: 1, activeLow: false,
            bias: .asIs)
        #expect {
            try rig.backendV2(profile: profile)
        } throws: { error in
            guard let error = error as? GpioError else { return false }
            return error.code == .chipMissing && error.errnoValue == ENOENT
                && error.message.hasPrefix("no GPIO chip is labelled \"pinctrl-nowhere\" on this machine (chips here: ")
                && error.message.contains("gpiochip-\(rig.label) \"\(rig.label)\" (58 lines)")
        }
        profile.inputs[.encA] = rig.lineByPath(60)
        #expect(
            throws: GpioError(
                .invalidLine, function: "gpiod_chip_request_lines",
                subject: "chip \"/dev/gpiochip-\(rig.label)\" line 60 (enc_a)",
                message: "gpiochip-\(rig.label) \"\(rig.label)\" has only 58 lines (offsets 0 to 57)")
        ) {
            try rig.backendV2(profile: profile)
        }
    }

    @Test(arguments: [
        ("gpiod_chip_request_lines", EBUSY, GpioError.Code.lineBusy, "gpioinfo"),
        ("gpiod_chip_request_lines", EACCES, .permissionDenied, "gpio group"),
        ("gpiod_chip_open", EACCES, .permissionDenied, "gpio group"),
        ("gpiod_line_request_get_values_subset", EIO, .io, "Input/output error"),
    ])
    func failuresToStartAreErrorsWithErrnoText(
        function: String, errnoValue: Int32, code: GpioError.Code,
        words: String
    ) throws {
        let rig = FakeRig()
        rig.board.failNext(function, errno: errnoValue)
        #expect {
            try rig.backendV2()
        } throws: { error in
            guard let error = error as? GpioError else { return false }
            return error.code == code && error.function == function && error.errnoValue == errnoValue
                && error.description.contains(words) && error.description.contains(rig.label)
        }
        #expect(rig.board.requestedLines == 0)
        #expect(rig.board.openChips == 0)
    }

    @Test(arguments: ["gpiod_line_request_wait_edge_events", "gpiod_line_request_read_edge_events"])
    func aReadFailureEndsThePump(function: String) throws {
        let rig = FakeRig()
        let backend = try rig.backendV2()
        rig.board.script([rig.edge(17, atNs: rig.board.currentNs + 1_000, level: 1)])
        rig.board.failNext(function, errno: EIO)
        #expect(
            throws: GpioError(
                .io, function: function, subject: "chip \"/dev/gpiochip-\(rig.label)\"",
                errnoValue: EIO, message: String(cString: strerror(EIO)))
        ) {
            try backend.pump()
        }
    }
}

/// The bit-banged HX711 through the v2 wrapper: one request of PD_SCK (output, starting inactive) and DOUT
/// (input) on the fake v2 functions, with the HX711 model behind the two lines.
@Suite struct GpiodV2HX711LinesTests {
    @Test func readsTheChipsConversionsThroughOneV2Request() throws {
        let label = FakeGpioBoard.uniqueLabel("pinctrl-bcm2711")
        let board = FakeGpioBoard(
            chips: [.init(name: "gpiochip-" + label, label: label, lineCount: 58)],
            callCostNs: 1_000, clockReadCostNs: 100)
        let chip = FakeHX711(chip: label, doutLine: 9, sckLine: 10) { _ in 84_000 }
        board.attach(chip)
        let loadCell = try HX711GpioLoadCell(
            chip: .path("/dev/gpiochip-" + label), doutLine: 9, sckLine: 10,
            source: board.sourceV2, idle: { board.advance(byNs: 1_000_000) })
        let samples = (0..<3).map { _ in loadCell.sample() }
        #expect(samples.map(\.raw) == [84_000, 84_000, 84_000])
        #expect(loadCell.counters.failedSamples == 0 && loadCell.counters.resets == 0)
        #expect(board.inspect { chip.powerDowns } == 0, "PD_SCK started low")
        #expect(board.callCounts["gpiod_chip_request_lines"] == 1)
        let sck = try #require(board.requestV2(chip: label, offset: 10))
        let dout = try #require(board.requestV2(chip: label, offset: 9))
        #expect(sck.offsets == [10, 9] && sck.consumer == "hoistwatch")
        #expect(sck.settings.direction == GPIOD_LINE_DIRECTION_OUTPUT)
        #expect(sck.settings.outputValue == GPIOD_LINE_VALUE_INACTIVE)
        #expect(dout.settings.direction == GPIOD_LINE_DIRECTION_INPUT && dout.settings.edge == GPIOD_LINE_EDGE_NONE)
    }

    @Test func aLineThatCannotBeWrittenFailsTheSampleAndSaysWhy() throws {
        let label = FakeGpioBoard.uniqueLabel("pinctrl-bcm2711")
        let board = FakeGpioBoard(
            chips: [.init(name: "gpiochip-" + label, label: label, lineCount: 58)],
            callCostNs: 1_000, clockReadCostNs: 100)
        board.attach(FakeHX711(chip: label, doutLine: 9, sckLine: 10) { _ in 1234 })
        let loadCell = try HX711GpioLoadCell(
            chip: .path("/dev/gpiochip-" + label), doutLine: 9, sckLine: 10,
            source: board.sourceV2, idle: { board.advance(byNs: 1_000_000) })
        #expect(loadCell.sample().raw == 1234)
        board.failNext("gpiod_line_request_set_value", errno: EIO)
        #expect(loadCell.sample().raw == nil)
        let reason = try #require(loadCell.takeFailureReason())
        #expect(reason.contains("gpiod_line_request_set_value failed") && reason.contains("hx711 PD_SCK"), "\(reason)")
        #expect(loadCell.counters.failedSamples == 1)
    }
}
