import HoistWatchCore
import HoistWatchTestSupport
import Testing

@testable import HoistWatchAgent

/// A real board's counters in the periodic status (mqtt.md) and the diag snapshot, so maintenance sees isolated
/// lost edges that never raise `sensor_fault`; the simulated board's payloads have none.
struct BoardCountersPayloadTests {
    static let identity = StatusPayload.Identity(
        deviceId: "dev", version: "test",
        calibration: Calibration(
            equipment: .elevator, deviceId: "dev", countsPerMeter: 4000, loadRawZero: 0,
            loadRawPerKg: 1, ratedKg: 1000, ratedSpeedMps: 1),
        calibrationSHA256: String(repeating: "0", count: 64), board: "raspberry-pi-4", bootId: "boot")
    static let moment = StatusPayload.Moment(
        monoNs: 1, wallNs: 1, timeSynced: true, uptimeS: 1, depth: nil,
        capBytes: 1, dropped: nil)

    static var snapshot: AgentSnapshot {
        var snapshot = AgentSnapshot()
        var counters = BoardInputCounters()
        counters.gpio.edges = 1200
        counters.gpio.lostEdges = 3
        counters.gpio.overflowsSuspected = 1
        counters.gpio.lateEdges = 2
        var load = LoadCellCounters()
        load.samples = 50
        load.failedSamples = 4
        counters.loadCell = load
        snapshot.boardCounters = counters
        return snapshot
    }

    @Test func theStatusCarriesTheGpioAndLoadCellCounters() throws {
        let text = String(
            decoding: StatusPayload(identity: Self.identity)
                .status(.periodic, session: nil, moment: Self.moment, snapshot: Self.snapshot), as: UTF8.self)
        let status = try #require(jsonObject(text), "valid JSON: \(text)")
        let gpio = try #require(status["gpio"] as? [String: Any])
        #expect(gpio["edges"] as? Int == 1200)
        #expect(gpio["lost_edges"] as? Int == 3)
        #expect(gpio["overflows_suspected"] as? Int == 1)
        #expect(gpio["late_edges"] as? Int == 2)
        let load = try #require(status["load_cell"] as? [String: Any])
        #expect(load["samples"] as? Int == 50 && load["failed_samples"] as? Int == 4)
        #expect(load["discarded_reads"] == nil, "only the bit-banged reader has discarded reads")

        let simulated = String(
            decoding: StatusPayload(identity: Self.identity)
                .status(.periodic, session: nil, moment: Self.moment, snapshot: AgentSnapshot()), as: UTF8.self)
        #expect(jsonObject(simulated)?["gpio"] == nil)
    }

    @Test func theDiagSnapshotCarriesThemToo() throws {
        let text = String(
            decoding: DiagnosticsSnapshot(
                identity: Self.identity, snapshot: Self.snapshot, depth: nil, dropped: nil, monoNs: 1, wallNs: 1,
                timeSynced: true, uptimeS: 1
            ).encoded(), as: UTF8.self)
        let report = try #require(jsonObject(text), "valid JSON: \(text)")
        #expect((report["gpio"] as? [String: Any])?["lost_edges"] as? Int == 3)
        #expect((report["load_cell"] as? [String: Any])?["failed_samples"] as? Int == 4)
    }
}
