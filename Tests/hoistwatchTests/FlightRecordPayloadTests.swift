import HoistWatchAgent
import HoistWatchCore
import HoistWatchSimulator
import HoistWatchTestSupport
import Testing

/// The flight record as it goes over the modem: the demo's overspeed record (the 55,902 input events,
/// 2.6 MB of trace text) compressed below 260 KB, and decoded back to the very same trace.
@Suite struct FlightRecordPayloadTests {
    /// The demo's flight records, as the detection engine completes them.
    static func demoRecords() throws -> [FlightRecord] {
        var simulation = try ScenarioFile.simulation(
            scenarioPath: Repository.path("Scenarios/demo.toml"), calibrationPath: nil)
        var engine = DetectionEngine(
            calibration: simulation.calibration, header: simulation.header,
            stamper: .replay(deviceId: simulation.calibration.deviceId, seed: 1))
        var events: [Event] = []
        simulation.run { engine.process($0, into: &events) }
        engine.finish(into: &events)
        return engine.completedRecords
    }

    @Test func theDemosOverspeedRecordIsUnder260KBAndDecodesToItsTrace() async throws {
        let records = try await CPUBoundWork.run { try Self.demoRecords() }
        let overspeed = try #require(records.first { $0.type == .overspeed })
        let text = overspeed.encoded()
        let payload = FlightRecordPayload.encode(overspeed)
        #expect(overspeed.events.count > 50_000, "the record holds \(overspeed.events.count) input events")
        #expect(text.count > 2_000_000)
        #expect(payload.count <= 260_000, "\(payload.count) bytes from \(text.count)")
        #expect(Array(payload.prefix(4)) == Zstd.magic)
        #expect(try FlightRecordPayload.trace(of: payload) == text)
    }

    @Test func traceTextIsTakenAsItIsAndADamagedFrameIsRefused() throws {
        let text = Array("{\"format\":\"hoistwatch-trace\"}\n".utf8)
        #expect(try FlightRecordPayload.trace(of: text) == text)
        var frame = try Zstd.compress(Array(repeating: UInt8(ascii: "a"), count: 10_000), level: 6)
        #expect(frame.count < 100)
        frame[frame.count - 1] ^= 0xFF
        #expect(throws: Zstd.Failure.self) { try Zstd.decompress(frame) }
    }
}
