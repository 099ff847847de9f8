import Testing

@testable import HoistWatchCore

/// Identity and time of events, made once as the engine raises them: UUIDv7 ids of the raise's wall time on the
/// board's clock, sortable in the order made, and the board clocks of the run.
@Suite struct EventStamperTests {
    /// A board 3 h 25 min after boot, its scenario run starting 10 s of board time after the agent started, at
    /// twice real time, with the wall clock synced.
    static let clock = EventClock(
        originMonoNs: 12_300_000_000_000, runStartNs: 10_000_000_000, timeScale: 2,
        wallMinusMonoNs: 1_795_334_400_000_000_000 - 12_300_000_000_000, timeSynced: true)

    static func stamp(_ stamper: inout EventStamper, runNs: Int64) -> Event {
        stamper.stamp(type: .overspeed, transition: .raised, severity: .alarm, runNs: runNs, data: EventData())
    }

    @Test func theClocksOfAnEventAreTheBoardsAtItsRunTime() {
        var stamper = EventStamper(deviceId: "d", bootId: "b", clock: Self.clock, seed: 1)
        let event = Self.stamp(&stamper, runNs: 4_000_000_000)
        // Board time 10 s + 4 s at time scale 2 is 7 s of monotonic time after the origin.
        #expect(event.monoNs == 12_307_000_000_000)
        #expect(event.wallNs == 1_795_334_407_000_000_000)
        #expect(event.timeSynced)
        #expect(event.seq == nil, "the agent's outbox numbers events")
    }

    @Test func theIdCarriesTheWallTimeOfTheRaiseToTheMillisecond() throws {
        var stamper = EventStamper(deviceId: "d", bootId: "b", clock: Self.clock, seed: 2)
        for runNs: Int64 in [0, 1_234_567, 987_654_321_000, 5_000_000_000_000] {
            let event = Self.stamp(&stamper, runNs: runNs)
            let idMs = try #require(UUIDText.v7UnixMs(event.id))
            #expect(abs(idMs * 1_000_000 - event.wallNs) < 1_000_000, "\(event.id) vs \(event.wallNs)")
            #expect(Array(event.id)[14] == "7")
        }
    }

    @Test func idsSortInTheOrderTheyWereMadeEvenWithinOneMillisecond() {
        var stamper = EventStamper(deviceId: "d", bootId: "b", clock: Self.clock, seed: 3, firstSeq: 1)
        // Bursts of 5,000 events in one millisecond (the 12-bit counter overflows into the next one), then
        // events a few microseconds apart.
        var events = (0..<5_000).map { _ in Self.stamp(&stamper, runNs: 2_000_000) }
        events += (0..<2_000).map { Self.stamp(&stamper, runNs: 3_000_000 + Int64($0) * 3_000) }
        #expect(events.map(\.id) == events.map(\.id).sorted())
        #expect(Set(events.map(\.id)).count == events.count)
        #expect(events.map(\.seq) == (1...Int64(events.count)).map(Optional.some))
    }

    @Test func aWallClockThatStepsBackDoesNotUnsortTheIds() {
        var stamper = EventStamper(deviceId: "d", bootId: "b", clock: Self.clock, seed: 4)
        let before = Self.stamp(&stamper, runNs: 10_000_000_000)
        stamper.clock.wallMinusMonoNs -= 60_000_000_000  // NTP stepped the clock back a minute
        let after = Self.stamp(&stamper, runNs: 10_001_000_000)
        #expect(before.id < after.id)
        #expect(after.wallNs < before.wallNs, "the event's own time is the clock's")
    }

    @Test func loopsOfAScenarioGetIdsOfTheirOwnTime() {
        // Two runs of a looping scenario, 40 minutes apart: the same run time, different wall times and ids.
        var first = EventStamper(deviceId: "d", bootId: "b", clock: Self.clock, seed: 5)
        var later = Self.clock
        later.runStartNs += 2 * 40 * 60 * 1_000_000_000
        var second = EventStamper(deviceId: "d", bootId: "b", clock: later, seed: 5)
        let a = Self.stamp(&first, runNs: 1_000_000_000)
        let b = Self.stamp(&second, runNs: 1_000_000_000)
        #expect(b.wallNs - a.wallNs == 40 * 60 * 1_000_000_000)
        #expect(a.id.prefix(13) != b.id.prefix(13))
        #expect(a.id < b.id)
    }

    @Test func replayNumbersFromOneOnTraceTime() {
        var stamper = EventStamper.replay(deviceId: "d", seed: 6)
        let event = Self.stamp(&stamper, runNs: 81_234_567_890)
        #expect(event.seq == 1)
        #expect(event.monoNs == 81_234_567_890)
        #expect(event.wallNs == 81_234_567_890)
        #expect(!event.timeSynced)
    }
}
