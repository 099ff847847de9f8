import HoistWatchBoard
import HoistWatchBoardTestKit
import HoistWatchConfig
import HoistWatchCore
import HoistWatchSystem
import Testing

/// The reader's wait on the lines' event descriptors (`GpioLineRequest.waitForEdges`: v1 `gpiod_line_event_get_fd`,
/// v2 `gpiod_line_request_get_fd`, one `ppoll` with the reader's wake-up), on the fake libgpiod, whose descriptors
/// are real eventfds readable exactly while their FIFO holds events. Virtual clock: nothing sleeps.
@Suite struct GpioDescriptorWaitTests {
    enum Api: String, CaseIterable, CustomTestStringConvertible {
        case v1, v2
        var testDescription: String { rawValue }
    }

    static func request(_ rig: FakeRig, _ api: Api) throws -> any GpioLineRequest {
        let specs = [GpioLineSpec(input: .doorZone, line: rig.lineByPath(23, activeLow: true))]
        switch api {
        case .v1: return try rig.board.source.request(specs, consumer: "test")
        case .v2: return try rig.board.sourceV2.request(specs, consumer: "test")
        }
    }

    @Test(arguments: Api.allCases)
    func theDescriptorIsReadableWhileAnEdgeIsQueued(api: Api) throws {
        let rig = FakeRig()
        let request = try Self.request(rig, api)
        #expect(rig.board.eventDescriptors.count == 1, "one descriptor: the line's (v1) or the request's (v2)")
        #expect(rig.board.descriptorIsReadable(chip: rig.label, offset: 23) == false)
        let atNs = rig.board.currentNs + 5_000_000
        rig.board.script([rig.edge(23, atNs: atNs, level: 0, latencyNs: 20_000)])
        rig.board.advance(byNs: 5_010_000)
        #expect(rig.board.descriptorIsReadable(chip: rig.label, offset: 23) == false, "not in the FIFO yet")
        rig.board.advance(byNs: 10_000)
        #expect(rig.board.descriptorIsReadable(chip: rig.label, offset: 23) == true, "queued: readable")
        var edges: [GpioEdge] = []
        _ = try request.readEdges(timeoutNs: 0, into: &edges)
        #expect(edges.map(\.timestampNs) == [atNs])
        #expect(rig.board.descriptorIsReadable(chip: rig.label, offset: 23) == false, "read: empty again")
    }

    @Test(arguments: Api.allCases)
    func theWaitEndsAtTheEdgeAtTheTimeoutOrAtTheWakeUp(api: Api) throws {
        let rig = FakeRig()
        let request = try Self.request(rig, api)
        let wake = WakeSignal()
        // Nothing comes: the whole timeout passes (virtual time).
        var startNs = rig.board.currentNs
        #expect(try request.waitForEdges(timeoutNs: 100_000_000, orReadable: wake.readableDescriptor) == .timedOut)
        #expect(rig.board.currentNs - startNs >= 100_000_000)
        // An edge 5 ms away: the wait ends when it is queued, long before the timeout.
        startNs = rig.board.currentNs
        rig.board.script([rig.edge(23, atNs: startNs + 5_000_000, level: 0)])
        #expect(try request.waitForEdges(timeoutNs: 1_000_000_000, orReadable: wake.readableDescriptor) == .edges)
        #expect(rig.board.currentNs - startNs < 6_000_000)
        var edges: [GpioEdge] = []
        _ = try request.readEdges(timeoutNs: 0, into: &edges)
        #expect(edges.count == 1)
        // The wake-up (a stop): the wait ends at once, the clock does not run to the timeout.
        startNs = rig.board.currentNs
        wake.signal()
        #expect(try request.waitForEdges(timeoutNs: 1_000_000_000, orReadable: wake.readableDescriptor) == .woken)
        #expect(rig.board.currentNs - startNs < 1_000_000)
        #expect(rig.board.callCounts["ppoll"] == 3)
    }

    @Test(arguments: Api.allCases)
    func releasingTheLinesClosesTheDescriptors(api: Api) throws {
        let rig = FakeRig()
        var request: (any GpioLineRequest)? = try Self.request(rig, api)
        #expect(rig.board.eventDescriptors.count == 1)
        _ = request
        request = nil
        #expect(rig.board.eventDescriptors.isEmpty)
    }
}
