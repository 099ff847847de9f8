import CGpiod
import Foundation
import HoistWatchBoard
import HoistWatchBoardTestKit
import HoistWatchConfig
import HoistWatchCore
import Testing

/// The backend through the real v1 wrapper over the fake C functions: scripted edges in, input events out.
@Suite struct GpioInputBackendTests {
    /// 20,000 edges/s is the requirement; 50,000 shows the margin. Every edge comes out once, with the kernel's
    /// timestamp, in order; nothing is lost, dropped or read from an empty FIFO (which would block on a board).
    @Test(arguments: [20_000, 50_000])
    func keepsUpWithAnEncoder(edgesPerSecond: Int) throws {
        let rig = FakeRig()
        let backend = try rig.backend()
        var encoder = rig.encoder(startNs: rig.board.currentNs)
        let periodNs = Int64(1_000_000_000 / edgesPerSecond)
        var script = encoder.next(8_000, periodNs: periodNs, up: true)
        script += encoder.next(2_000, periodNs: periodNs, up: false)
        rig.board.script(script)

        let (events, counters) = try BoardFixtures.drain(backend, rig.board)
        #expect(events.count == script.count)
        #expect(events.map(\.tNs) == script.map(\.atNs))
        #expect(events.decoded() == (count: encoder.count, errors: 0))
        #expect(encoder.count == 6_000)
        #expect(counters.edges == Int64(script.count))
        #expect(counters.inputEvents == Int64(script.count))
        #expect(counters.lostEdges == 0)
        #expect(counters.overflowsSuspected == 0)
        #expect(counters.lateEdges == 0)
        #expect(counters.batches > 0)
        #expect(rig.board.droppedEvents == 0)
        #expect(rig.board.readsOfEmptyFifo == 0)
    }

    /// The reader is descheduled while the encoder runs at 20,000 edges/s: each line's 16-event FIFO fills and
    /// the kernel drops the newest edges. An odd number dropped per line shows as a repeated level (lost edges,
    /// quadrature errors); an even number only as the full FIFO (`overflowsSuspected`): the count is then off
    /// by the dropped edges and nothing in the v1 interface can tell.
    @Test(arguments: [(19, 3, Int64(2)), (20, 4, Int64(0))])
    func aFullFifoDropsTheNewestEdgesAndIsReported(edgesPerLine: Int, droppedPerLine: Int, lostEdges: Int64) throws {
        let rig = FakeRig()
        let backend = try rig.backend()
        let startNs = rig.board.currentNs
        var encoder = rig.encoder(startNs: startNs)
        let script = encoder.next(400, periodNs: 50_000)
        rig.board.script(script)
        // Every edge up to the (2 x edgesPerLine)-th reaches the FIFOs before the reader runs again.
        rig.board.advance(byNs: Int64(2 * edgesPerLine) * 50_000 + 25_000)

        let (events, counters) = try BoardFixtures.drain(backend, rig.board, extraPumps: 15)
        #expect(rig.board.droppedEvents(chip: rig.label, offset: 17) == droppedPerLine)
        #expect(rig.board.droppedEvents(chip: rig.label, offset: 27) == droppedPerLine)
        #expect(counters.overflowsSuspected == 2)
        #expect(counters.lostEdges == lostEdges)
        #expect(counters.quadratureErrors == lostEdges)
        #expect(counters.resyncCorrections == 0, "the last levels are right again")
        #expect(events.count == script.count - 2 * droppedPerLine)
        #expect(events.isTimeOrdered)
        #expect(events.decoded().count == 400 - Int64(2 * droppedPerLine) - lostEdges)
        #expect(rig.board.readsOfEmptyFifo == 0)
    }

    /// A pulse the kernel never reported (the pin changed, no event): the periodic re-read finds the level
    /// different from the tracked one, emits a corrective event and counts a lost edge.
    @Test func aLostEdgeIsCorrectedByTheResync() throws {
        let rig = FakeRig()
        rig.board.setLevel(chip: rig.label, offset: 23, 1)
        let backend = try rig.backend()
        #expect(backend.initialLevels[.doorZone] == 0, "electrical 1 on an active-low line")
        let edgeNs = rig.board.currentNs + 1_000_000
        rig.board.script([rig.edge(23, atNs: edgeNs, level: 0, reported: false)])

        let (events, counters) = try BoardFixtures.drain(backend, rig.board, extraPumps: 15)
        #expect(events.count == 1)
        let correction = try #require(events.first)
        #expect(correction.source == .line(.doorZone))
        #expect(correction.value == 1)
        #expect(correction.tNs > edgeNs)
        #expect(correction.tNs < edgeNs + 1_200_000_000, "within a resync interval and a few idle waits")
        #expect(counters.lostEdges == 1)
        #expect(counters.resyncCorrections == 1)
        #expect(counters.resyncs >= 1)
    }

    /// Two edges too fast for the kernel's interrupt thread: both events carry the level it read, the same.
    @Test func aRepeatedLevelIsPassedOnAndCounted() throws {
        let rig = FakeRig()
        let backend = try rig.backend()
        let startNs = rig.board.currentNs
        rig.board.script([
            rig.edge(17, atNs: startNs + 100_000, level: 1), rig.edge(17, atNs: startNs + 100_400, level: 1),
            rig.edge(27, atNs: startNs + 200_000, level: 1),
        ])
        let (events, counters) = try BoardFixtures.drain(backend, rig.board)
        #expect(events.of(.encA).map(\.1) == [1, 1])
        #expect(counters.lostEdges == 1)
        #expect(counters.quadratureErrors == 1)
        #expect(events.decoded() == (count: 2, errors: 1))
    }

    /// A's edge is stamped first but reaches its FIFO 400 us later (the interrupt thread ran late); B's later edge
    /// is read first. Held back for `settleNs`, both come out in time order and the direction is right. Without
    /// the hold-back B goes first and A is counted late and stamped with B's time: the decoder refuses two lines
    /// changing at once (an encoder error) rather than count the wrong way.
    @Test(arguments: [(Int64(1_000_000), Int64(0), Int64(2), Int64(0)), (Int64(0), Int64(1), Int64(0), Int64(1))])
    func edgesQueuedLateStillComeOutInTimeOrder(
        settleNs: Int64, lateEdges: Int64, count: Int64, errors: Int64
    )
        throws
    {
        let rig = FakeRig()
        var options = GpioInputBackend.Options()
        options.settleNs = settleNs
        let backend = try rig.backend(options: options)
        let startNs = rig.board.currentNs
        rig.board.script([
            rig.edge(17, atNs: startNs + 100_000, level: 1, latencyNs: 400_000),
            rig.edge(27, atNs: startNs + 200_000, level: 1),
        ])
        let (events, counters) = try BoardFixtures.drain(backend, rig.board)
        #expect(events.count == 2)
        #expect(events.isTimeOrdered)
        #expect(counters.lateEdges == lateEdges)
        #expect(events.decoded() == (count: count, errors: errors))
        if lateEdges == 0 {
            #expect(events == [.level(.encA, 1, atNs: startNs + 100_000), .level(.encB, 1, atNs: startNs + 200_000)])
        }
    }

    /// The shipped Raspberry Pi 4 profile: each wired input requested for both edges with its active-low and bias;
    /// levels are logical.
    @Test func requestsEachLineAsTheProfileSays() throws {
        let rig = FakeRig()
        let profile = try rig.shipped("raspberry-pi-4")
        let elevator = Set(Equipment.elevator.digitalInputs)
        for input in elevator { rig.board.setLevel(chip: rig.label, offset: profile.inputs[input]!.offset, 1) }
        let backend = try rig.backend(elevator, profile: profile)
        #expect(rig.board.requestedLines == elevator.count)
        for input in elevator {
            let line = profile.inputs[input]!
            let request = try #require(rig.board.request(chip: rig.label, offset: line.offset))
            var flags = Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP)
            if !input.isCounter { flags |= Int32(GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW) }
            #expect(request.flags == flags, "\(input)")
            #expect(request.requestType == Int32(GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES))
            #expect(request.consumer == "hoistwatch")
            #expect(backend.initialLevels[input] == (input.isCounter ? 1 : 0), "\(input)")
        }
        // Crane inputs of the same profile are not wired here, so not requested.
        #expect(rig.board.request(chip: rig.label, offset: profile.inputs[.hoistUpCmd]!.offset) == nil)

        let doorClosed = profile.inputs[.doorClosed]!.offset
        rig.board.script([rig.edge(doorClosed, atNs: rig.board.currentNs + 1_000, level: 0)])
        let (events, _) = try BoardFixtures.drain(backend, rig.board)
        #expect(events.map(\.source) == [.line(.doorClosed)])
        #expect(events.first?.value == 1, "pulled low = closed")
    }

    @Test func releasesTheLinesAndClosesTheChips() throws {
        // Unlisted: a label search of a test running beside it would open and close this chip too.
        let rig = FakeRig(listed: false)
        do {
            let backend = try rig.backend()
            #expect(rig.board.requestedLines == 3)
            #expect(rig.board.openChips == 1)
            _ = try backend.pump()
        }
        #expect(rig.board.requestedLines == 0)
        #expect(rig.board.openChips == 0)
        #expect(rig.board.callCounts["gpiod_line_release_bulk"] == 2, "one bulk per (active-low, bias) group")
        #expect(rig.board.callCounts["gpiod_chip_close"] == 1)
    }

    /// Lines on two chips: one request and one wait set per chip; edges of both merge in time order.
    @Test func linesOnTwoChipsMergeInTimeOrder() throws {
        let first = FakeGpioBoard.uniqueLabel("gpio-expander-a")
        let second = FakeGpioBoard.uniqueLabel("gpio-expander-b")
        let board = FakeGpioBoard(chips: [
            .init(name: "gc-" + first, label: first, lineCount: 16),
            .init(name: "gc-" + second, label: second, lineCount: 8),
        ])
        let profile = BoardProfile(inputs: [
            .doorZone: .init(chip: .label(first), offset: 3, activeLow: false, bias: .pullDown),
            .doorClosed: .init(chip: .path("/dev/gc-" + second), offset: 5, activeLow: false, bias: .disabled),
        ])
        let backend = try GpioInputBackend(
            profile: profile, inputs: [.doorZone, .doorClosed], source: board.source,
            logger: FakeRig().logger)
        let startNs = board.currentNs
        var script: [FakeGpioBoard.Edge] = []
        for step in 0..<50 {
            let onFirst = step % 3 != 0
            script.append(
                FakeGpioBoard.Edge(
                    chip: onFirst ? first : second, offset: onFirst ? 3 : 5, atNs: startNs + Int64(step + 1) * 700_000,
                    level: UInt8((step / (onFirst ? 1 : 3)) % 2 == 0 ? 1 : 0)))
        }
        board.script(script)
        let (events, counters) = try BoardFixtures.drain(backend, board)
        #expect(events.map(\.tNs) == script.map(\.atNs))
        #expect(events.isTimeOrdered)
        #expect(counters.edges == 50)
        #expect(board.requestedLines == 2)
    }

    /// Each failure names the function, the chip and line, errno and its text, and what to check; nothing stays
    /// requested or open after a failed start.
    @Test(arguments: [
        ("gpiod_line_request_bulk", EBUSY, GpioError.Code.lineBusy, "gpioinfo"),
        ("gpiod_line_request_bulk", EACCES, .permissionDenied, "gpio group"),
        ("gpiod_chip_open_by_label", EACCES, .permissionDenied, "gpio group"),
        ("gpiod_chip_get_line", EINVAL, .invalidLine, "Invalid argument"),
        ("gpiod_line_get_value_bulk", EIO, .io, "Input/output error"),
    ])
    func failuresToStartAreErrorsWithErrnoText(
        function: String, errnoValue: Int32, code: GpioError.Code,
        words: String
    ) throws {
        let rig = FakeRig()
        rig.board.failNext(function, errno: errnoValue)
        do {
            _ = try rig.backend()
            Issue.record("started although \(function) failed")
        } catch {
            #expect(error.code == code)
            #expect(error.function == function)
            #expect(error.errnoValue == errnoValue)
            #expect(error.message == String(cString: strerror(errnoValue)) || error.code == .permissionDenied)
            #expect(error.description.contains(words), "\(error)")
            #expect(error.description.contains(rig.label), "\(error)")
        }
        #expect(rig.board.requestedLines == 0)
        #expect(rig.board.openChips == 0)
    }

    @Test func aMissingChipOrLineSaysWhatThereIs() throws {
        let rig = FakeRig()
        var profile = rig.profile
        profile.inputs[.encA] = rig.line(60)
        #expect(
            throws: GpioError(
                .invalidLine, function: "gpiod_chip_get_line",
                subject: "chip \"\(rig.label)\" line 60 (enc_a)",
                message: "gpiochip-\(rig.label) \"\(rig.label)\" has only 58 lines (offsets 0 to 57)")
        ) {
            try rig.backend(profile: profile)
        }
        profile.inputs[.encA] = BoardProfile.Line(
            chip: .label("pinctrl-nowhere"), offset: 1, activeLow: false, bias: .asIs)
        do {
            _ = try rig.backend(profile: profile)
            Issue.record("opened a chip that does not exist")
        } catch {
            #expect(error.code == .chipMissing)
            #expect(error.errnoValue == ENOENT)
            #expect(
                error.message.hasPrefix("no GPIO chip is labelled \"pinctrl-nowhere\" on this machine (chips here: "))
            #expect(error.message.contains("gpiochip-\(rig.label) \"\(rig.label)\" (58 lines)"))
        }
        #expect(rig.board.openChips == 0)
    }

    @Test(arguments: ["gpiod_line_event_wait_bulk", "gpiod_line_event_read_multiple"])
    func aReadFailureEndsThePump(function: String) throws {
        let rig = FakeRig()
        let backend = try rig.backend()
        rig.board.script([rig.edge(17, atNs: rig.board.currentNs + 1_000, level: 1)])
        rig.board.failNext(function, errno: EIO)
        #expect(
            throws: GpioError(
                .io, function: function,
                subject: function.hasSuffix("wait_bulk")
                    ? "chip \"\(rig.label)\""
                    : "chip \"\(rig.label)\" line 17 (enc_a)",
                errnoValue: EIO, message: String(cString: strerror(EIO)))
        ) {
            try backend.pump()
        }
    }

    /// The reader thread: every edge reaches the consumer, `stop` hands on what was held and joins.
    @Test func theReaderThreadHandsEveryEdgeToTheConsumer() async throws {
        let rig = FakeRig()
        let backend = try rig.backend()
        var encoder = rig.encoder(startNs: rig.board.currentNs)
        let script = encoder.next(3_000, periodNs: 50_000)
        rig.board.script(script)
        let (stream, continuation) = AsyncStream.makeStream(of: GpioInputBatch.self)
        backend.start(consumer: { continuation.yield($0) })
        var events: [InputEvent] = []
        for await batch in stream {
            events += batch.events
            if events.count >= script.count { break }
        }
        backend.stop()
        backend.stop()
        #expect(events.map(\.tNs) == script.map(\.atNs))
        #expect(backend.counters.edges == Int64(script.count))
        #expect(backend.counters.lostEdges == 0)
        #expect(rig.logs.entries.contains { $0.message == "gpio reader started" })
        #expect(rig.logs.entries.contains { $0.message == "gpio reader stopped" })
        #expect(rig.logs.entries.allSatisfy { $0.level <= .info })
    }

    @Test func theReaderThreadReportsTheErrorThatEndedIt() async throws {
        let rig = FakeRig()
        let backend = try rig.backend()
        rig.board.failNext("gpiod_line_event_wait_bulk", errno: ENODEV)
        let (stream, continuation) = AsyncStream.makeStream(of: GpioError.self)
        backend.start(consumer: { _ in }, onFailure: { continuation.yield($0) })
        var iterator = stream.makeAsyncIterator()
        let failure = await iterator.next()
        backend.stop()
        #expect(failure?.code == .chipMissing)
        #expect(failure?.errnoValue == ENODEV)
    }
}
