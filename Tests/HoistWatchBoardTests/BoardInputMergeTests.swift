import HoistWatchCore
import Testing

@testable import HoistWatchBoard

/// The merge of a real board's edge and sample streams: time order, completeness, late inputs moved forward.
struct BoardInputMergeTests {
    static let origin: Int64 = 5_000_000_000

    static func edge(_ input: InputName, _ level: UInt8, _ ns: Int64) -> InputEvent {
        .level(input, level, atNs: origin + ns)
    }

    static func sample(_ raw: Int32?, _ ns: Int64) -> InputEvent { .sample(.load, raw: raw, atNs: origin + ns) }

    static func drain(_ merge: inout BoardInputMerge) -> (events: [InputEvent], horizonNs: Int64) {
        var events: [InputEvent] = []
        let horizon = merge.drain { events.append($0) }
        return (events, horizon)
    }

    @Test func edgesAndSamplesComeOutInTimeOrderUpToWhereTheEdgesAreComplete() {
        var merge = BoardInputMerge(originNs: Self.origin, hasLines: true)
        merge.addSamples([Self.sample(84_000, 100), Self.sample(84_010, 300), Self.sample(nil, 900)])
        // Nothing is known complete yet: nothing comes out, the horizon stays at 0.
        var out = Self.drain(&merge)
        #expect(out.events.isEmpty && out.horizonNs == 0)

        merge.addEdges(
            [Self.edge(.doorClosed, 0, 50), Self.edge(.doorClosed, 1, 300)], completeThroughNs: Self.origin + 400)
        out = Self.drain(&merge)
        #expect(out.events.map(\.tNs) == [50, 100, 300, 300])
        #expect(out.events[2].source == .line(.doorClosed), "at a tie the edge comes first")
        #expect(out.horizonNs == 401)

        // The sample at 900 waits for the edges to be complete past it.
        merge.addEdges([], completeThroughNs: Self.origin + 1_000)
        out = Self.drain(&merge)
        #expect(out.events == [.sample(.load, raw: nil, atNs: 900)])
        #expect(out.horizonNs == 1_001)
        #expect(merge.lateInputs == 0)
    }

    @Test func anInputOlderThanTheHorizonIsMovedToItAndCounted() {
        var merge = BoardInputMerge(originNs: Self.origin, hasLines: true)
        merge.addEdges([Self.edge(.encA, 1, 10)], completeThroughNs: Self.origin + 500)
        _ = Self.drain(&merge)
        // A late edge (the sequencer stamps it with the last time it handed on) and a sample read long ago.
        merge.addEdges([Self.edge(.encB, 1, 10)], completeThroughNs: Self.origin + 600)
        merge.addSamples([Self.sample(1, 200)])
        let out = Self.drain(&merge)
        #expect(out.events.map(\.tNs) == [501, 501])
        #expect(merge.lateInputs == 2)
        #expect(out.horizonNs == 601)
    }

    @Test func withoutLinesTheSamplesAloneSayHowFarTheInputIsComplete() {
        var merge = BoardInputMerge(originNs: Self.origin, hasLines: false)
        #expect(Self.drain(&merge).horizonNs == 0)
        merge.addSamples([Self.sample(5, 100_000_000), Self.sample(6, 200_000_000)])
        let out = Self.drain(&merge)
        #expect(out.events.map(\.tNs) == [100_000_000, 200_000_000])
        #expect(out.horizonNs == 200_000_001)
    }

    @Test func atTheEndEverythingHeldComesOut() {
        var merge = BoardInputMerge(originNs: Self.origin, hasLines: true)
        merge.addEdges([Self.edge(.encA, 1, 100)], completeThroughNs: Self.origin + 100)
        merge.addSamples([Self.sample(3, 400)])
        #expect(Self.drain(&merge).events.count == 1)
        merge.endOfInput()
        let out = Self.drain(&merge)
        #expect(out.events == [.sample(.load, raw: 3, atNs: 400)])
        #expect(out.horizonNs == 401)
    }

    @Test func theHorizonNeverMovesBack() {
        var merge = BoardInputMerge(originNs: Self.origin, hasLines: true)
        merge.addEdges([], completeThroughNs: Self.origin + 1_000)
        #expect(Self.drain(&merge).horizonNs == 1_001)
        merge.addEdges([], completeThroughNs: Self.origin + 10)
        #expect(Self.drain(&merge).horizonNs == 1_001)
    }
}
