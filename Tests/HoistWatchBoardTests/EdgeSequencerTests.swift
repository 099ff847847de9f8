import HoistWatchBoard
import HoistWatchCore
import Testing

/// `EdgeSequencer` as scripts: edges and read times in, the exact input events and counters out.
@Suite struct EdgeSequencerTests {
    static let inputs: [InputName] = [.encA, .encB, .doorZone]
    static let a = 0, b = 1, door = 2

    /// Opened with all lines at 0, the first read taken between 1000 and 1100 ns.
    func opened(_ levels: [UInt8] = [0, 0, 0]) -> EdgeSequencer {
        EdgeSequencer(inputs: Self.inputs, initialLevels: levels, readStartNs: 1_000, readEndNs: 1_100)
    }

    func edge(_ line: Int, _ tNs: Int64, _ level: UInt8) -> GpioEdge {
        GpioEdge(lineIndex: line, timestampNs: tNs, level: level)
    }

    @Test func edgesOfSeveralLinesComeOutInTimeOrderOnceSafe() {
        var sequencer = opened()
        var out: [InputEvent] = []
        // A was read before B: B's edge at 9000 must wait until every edge up to 9000 is known to be in.
        sequencer.ingest(
            [edge(Self.a, 5_000, 1), edge(Self.b, 6_000, 1), edge(Self.b, 9_000, 0)],
            safeUntilNs: 7_000, into: &out)
        #expect(out == [.level(.encA, 1, atNs: 5_000), .level(.encB, 1, atNs: 6_000)])
        #expect(sequencer.hasPending)
        sequencer.ingest([edge(Self.a, 8_000, 0)], safeUntilNs: 20_000, into: &out)
        #expect(out.suffix(2) == [.level(.encA, 0, atNs: 8_000), .level(.encB, 0, atNs: 9_000)])
        #expect(!sequencer.hasPending)
        #expect(sequencer.counters.edges == 4)
        #expect(sequencer.counters.inputEvents == 4)
        #expect(sequencer.counters.lostEdges == 0)
        #expect(out.decoded().count == 4)
    }

    /// v1 has no sequence numbers: an edge that repeats its line's level means the edge between was lost (or
    /// came too fast for the kernel to read the level). It is passed on unchanged and counted.
    @Test(arguments: [(0, true), (1, true), (2, false)])
    func anEdgeThatRepeatsTheLevelIsALostEdge(line: Int, onEncoder: Bool) {
        var sequencer = opened()
        var out: [InputEvent] = []
        sequencer.ingest([edge(line, 5_000, 1), edge(line, 6_000, 1)], safeUntilNs: 7_000, into: &out)
        #expect(out == [.level(Self.inputs[line], 1, atNs: 5_000), .level(Self.inputs[line], 1, atNs: 6_000)])
        #expect(sequencer.counters.lostEdges == 1)
        #expect(sequencer.counters.quadratureErrors == (onEncoder ? 1 : 0))
        if onEncoder { #expect(out.decoded().errors == 1, "the core's decoder sees it as an encoder error") }
    }

    @Test func equalTimesKeepTheOrderRead() {
        var sequencer = opened()
        var out: [InputEvent] = []
        sequencer.ingest([edge(Self.door, 5_000, 1), edge(Self.a, 5_000, 1)], safeUntilNs: 5_000, into: &out)
        #expect(out == [.level(.doorZone, 1, atNs: 5_000), .level(.encA, 1, atNs: 5_000)])
    }

    /// The first read of the levels: edges before it are already in it; inside it, an edge that repeats the level
    /// read is the read having seen it, not a lost edge.
    @Test(arguments: [
        // (time, level, handed on, lost)
        (900 as Int64, 1 as UInt8, false, 0 as Int64),
        (1_000, 1, false, 0),
        (1_050, 1, true, 0),
        (1_050, 0, false, 0),
        (1_100, 0, false, 0),
        (1_101, 0, true, 1),
        (1_101, 1, true, 0),
    ])
    func edgesAroundTheFirstRead(timeNs: Int64, level: UInt8, handedOn: Bool, lost: Int64) {
        var sequencer = opened()
        var out: [InputEvent] = []
        sequencer.ingest([edge(Self.door, timeNs, level)], safeUntilNs: 10_000, into: &out)
        #expect(out == (handedOn ? [.level(.doorZone, level, atNs: timeNs)] : []))
        #expect(sequencer.counters.lostEdges == lost)
    }

    @Test func aReReadThatDisagreesCorrectsTheLevelAndCountsALostEdge() {
        var sequencer = opened()
        var out: [InputEvent] = []
        sequencer.ingest([edge(Self.door, 2_000, 1)], safeUntilNs: 3_000, into: &out)
        // The door went back to 0 at some point without an event; the re-read at 5000..5100 shows it.
        sequencer.resync(levels: [0, 0, 0], readStartNs: 5_000, readEndNs: 5_100)
        #expect(sequencer.resyncPending)
        sequencer.ingest([], safeUntilNs: 5_099, into: &out)
        #expect(out.count == 1, "not compared before every edge up to the read's end is in")
        sequencer.ingest([], safeUntilNs: 5_100, into: &out)
        #expect(out == [.level(.doorZone, 1, atNs: 2_000), .level(.doorZone, 0, atNs: 5_100)])
        #expect(!sequencer.resyncPending)
        #expect(sequencer.levels == [0, 0, 0])
        #expect(sequencer.counters.resyncs == 1)
        #expect(sequencer.counters.resyncCorrections == 1)
        #expect(sequencer.counters.lostEdges == 1)
        #expect(sequencer.counters.quadratureErrors == 0)
    }

    @Test func aReReadThatAgreesChangesNothing() {
        var sequencer = opened([1, 0, 1])
        var out: [InputEvent] = []
        sequencer.resync(levels: [1, 0, 1], readStartNs: 5_000, readEndNs: 5_100)
        sequencer.ingest([], safeUntilNs: 6_000, into: &out)
        #expect(out.isEmpty)
        #expect(sequencer.counters.resyncs == 1)
        #expect(sequencer.counters.lostEdges == 0)
    }

    /// Both encoder lines off at once is two steps in one: both corrections carry the same time, which the
    /// quadrature decoder refuses (an encoder error) instead of guessing the direction.
    @Test func bothEncoderLinesOffIsAnImpossibleTransition() {
        var sequencer = opened()
        var out: [InputEvent] = []
        sequencer.resync(levels: [1, 1, 0], readStartNs: 5_000, readEndNs: 5_100)
        sequencer.ingest([], safeUntilNs: 6_000, into: &out)
        #expect(out == [.level(.encA, 1, atNs: 5_100), .level(.encB, 1, atNs: 5_100)])
        #expect(sequencer.counters.lostEdges == 2)
        #expect(sequencer.counters.quadratureErrors == 1)
        #expect(out.decoded().count == 0)
        #expect(out.decoded().errors == 1)
    }

    /// A line with an edge inside the re-read's window may have been read before or after it: not compared.
    @Test func aLineThatMovedDuringTheReReadIsNotCompared() {
        var sequencer = opened()
        var out: [InputEvent] = []
        sequencer.resync(levels: [0, 0, 0], readStartNs: 5_000, readEndNs: 5_100)
        sequencer.ingest([edge(Self.door, 5_050, 1), edge(Self.a, 4_000, 1)], safeUntilNs: 6_000, into: &out)
        // door moved inside the window (skipped); A moved before it and the read says 0: corrected.
        #expect(
            out == [
                .level(.encA, 1, atNs: 4_000), .level(.doorZone, 1, atNs: 5_050),
                .level(.encA, 0, atNs: 5_100),
            ])
        #expect(sequencer.counters.resyncCorrections == 1)
    }

    @Test func aReReadIsComparedBeforeLaterEdges() {
        var sequencer = opened()
        var out: [InputEvent] = []
        sequencer.resync(levels: [0, 0, 1], readStartNs: 5_000, readEndNs: 5_100)
        sequencer.ingest([edge(Self.door, 7_000, 0)], safeUntilNs: 8_000, into: &out)
        #expect(out == [.level(.doorZone, 1, atNs: 5_100), .level(.doorZone, 0, atNs: 7_000)])
        #expect(sequencer.counters.lostEdges == 1)
    }

    @Test func anEdgeOlderThanWhatWasHandedOnKeepsTheOrderAndIsCountedLate() {
        var sequencer = opened()
        var out: [InputEvent] = []
        sequencer.ingest([edge(Self.b, 9_000, 1)], safeUntilNs: 9_000, into: &out)
        // The kernel queued A's edge later than `safeUntilNs` promised.
        sequencer.ingest([edge(Self.a, 8_000, 1)], safeUntilNs: 10_000, into: &out)
        #expect(out == [.level(.encB, 1, atNs: 9_000), .level(.encA, 1, atNs: 9_000)])
        #expect(sequencer.counters.lateEdges == 1)
    }

    @Test func flushHandsOnEverythingHeld() {
        var sequencer = opened()
        var out: [InputEvent] = []
        sequencer.ingest([edge(Self.a, 5_000, 1)], safeUntilNs: 0, into: &out)
        sequencer.resync(levels: [1, 0, 1], readStartNs: 6_000, readEndNs: 6_100)
        #expect(out.isEmpty)
        sequencer.flush(into: &out)
        #expect(out == [.level(.encA, 1, atNs: 5_000), .level(.doorZone, 1, atNs: 6_100)])
    }

    /// Invariant over seeded random edges, read in random chunks with random safe times: every edge after the
    /// first read comes out once, in time order, and the tracked level is the last one handed on.
    @Test(arguments: 1...20 as ClosedRange<UInt64>)
    func everyEdgeComesOutOnceInTimeOrder(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var perLine: [[GpioEdge]] = [[], [], []]
        var levels: [UInt8] = [0, 0, 0]
        var timeNs: Int64 = 2_000
        for _ in 0..<300 {
            timeNs += Int64(random.next() % 5_000)
            let line = Int(random.next() % 3)
            // Mostly real edges, sometimes a repeated level (a lost edge).
            levels[line] = random.next() % 10 == 0 ? levels[line] : levels[line] ^ 1
            perLine[line].append(edge(line, timeNs, levels[line]))
        }
        var sequencer = opened()
        var out: [InputEvent] = []
        var cursors = [0, 0, 0]
        var safeNs: Int64 = 0
        // Lines are read one at a time, each up to a later time, like the v1 reader.
        while cursors.enumerated().contains(where: { $0.element < perLine[$0.offset].count }) {
            let line = Int(random.next() % 3)
            let upTo = cursors[line] + Int(random.next() % 6)
            let chunk = Array(perLine[line][cursors[line]..<min(upTo, perLine[line].count)])
            cursors[line] = min(upTo, perLine[line].count)
            let readNs = cursors.enumerated().map { index, cursor in
                cursor < perLine[index].count ? perLine[index][cursor].timestampNs - 1 : Int64.max
            }.min()!
            safeNs = max(safeNs, readNs)
            sequencer.ingest(chunk, safeUntilNs: safeNs, into: &out)
        }
        sequencer.flush(into: &out)
        let all = perLine.flatMap { $0 }.sorted { $0.timestampNs < $1.timestampNs }
        #expect(out.count == all.count)
        #expect(out.isTimeOrdered)
        #expect(sequencer.counters.lateEdges == 0)
        #expect(sequencer.levels == levels)
        let repeated = perLine.map { edges in
            zip([GpioEdge(lineIndex: 0, timestampNs: 0, level: 0)] + edges, edges).filter { $0.level == $1.level }.count
        }.reduce(0, +)
        #expect(sequencer.counters.lostEdges == Int64(repeated))
    }
}
