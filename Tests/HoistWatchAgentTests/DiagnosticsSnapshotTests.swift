import Foundation
import HoistWatchTestSupport
import Testing

@testable import HoistWatchAgent
@testable import HoistWatchCore

/// The diag snapshot on the wire (`hoistwatch.diag/1`): the agent's `DiagnosticsSnapshot` has the keys, values and
/// nulls the hand-written renderer before it had (the JSON below is what that renderer wrote for the same agent
/// state), and every reader decodes what the agent encodes.
struct DiagnosticsSnapshotTests {
    /// An agent on a GPIO board with a bit-banged load cell, two faults raised (one of them from before this run),
    /// a link error with quotes, a waiting outbox.
    static var busy: DiagnosticsSnapshot {
        var snapshot = BoardCountersPayloadTests.snapshot
        snapshot.inputs = [
            .init(name: "door_closed", level: 1, edges: 12), .init(name: "enc_a", level: 0, edges: 4000),
        ]
        snapshot.positionM = 3.14159
        snapshot.referenced = true
        snapshot.floor = 2
        snapshot.speedMps = -0.5004
        snapshot.loadKg = 512.345
        snapshot.windMps = 7.25
        snapshot.active = [
            DetectionEngine.ActiveFault(
                type: .overload, instance: "", raisedId: "r1", raisedAtNs: 5, severity: .warning),
            DetectionEngine.ActiveFault(
                type: .overspeed, instance: "top", raisedId: "r2", raisedAtNs: 5, severity: .alarm),
        ]
        snapshot.activeSinceMonoNs = ["r1": 1_000_000_000]
        snapshot.counters.trips = 3
        snapshot.counters.runningS = 3600 * 1.23456
        snapshot.counters.travelledM = 10.26
        snapshot.counters.maxSpeedMps = 1.0
        snapshot.counters.maxLoadKg = 800.05
        snapshot.link = .init(
            state: "connected", lastError: "oops \"x\"", session: 3, acknowledged: 7, inFlight: 1,
            broker: "broker.example:8883", mqttVersion: "5", setAside: 2)
        snapshot.unsaved = 2
        snapshot.boardRuns = 4
        snapshot.boardCounters?.lateInputs = 9
        snapshot.boardCounters?.loadCell?.discardedReads = 5
        snapshot.boardCounters?.loadCell?.resets = 1
        snapshot.encoderCount = -12345
        snapshot.loadRaw = 84123.456
        snapshot.doorZoneMarks = [
            .init(n: 1, mark: DoorZoneMark(level: 1, encoderCount: 100, tNs: 0)),
            .init(n: 2, mark: DoorZoneMark(level: 0, encoderCount: 900, tNs: 0)),
        ]
        snapshot.lastSeq = 42
        snapshot.recent = [
            .init(
                seq: 41, type: "overload", transition: "raised", severity: "warning",
                wallNs: 1_700_000_000_000_000_000)
        ]
        let depth = OutboxDepth(
            count: 3, bytes: 1200, oldestMonoNs: 2_000_000_000, oldestBootId: "boot",
            countByPriority: [:])
        var dropped = OutboxDropCounters()
        dropped.info = 2
        return DiagnosticsSnapshot(
            identity: BoardCountersPayloadTests.identity, snapshot: snapshot, depth: depth, dropped: dropped,
            monoNs: 5_123_456_789, wallNs: 1_700_000_005_000_000_000, timeSynced: false, uptimeS: 12.345)
    }

    /// A simulated board's agent just started: no floor, no load, no outbox figures, no GPIO.
    static var fresh: DiagnosticsSnapshot {
        DiagnosticsSnapshot(
            identity: BoardCountersPayloadTests.identity, snapshot: AgentSnapshot(), depth: nil,
            dropped: nil, monoNs: 1, wallNs: 1, timeSynced: true, uptimeS: 0)
    }

    @Test(arguments: [
        (
            busy,
            #"""
            {"schema":"hoistwatch.diag/1","device_id":"dev","version":"test","equipment":"elevator","board":"raspberry-pi-4","uptime_s":12.3,"mono_ns":5123456789,"time":"2023-11-14T22:13:25.000Z","time_synced":false,"inputs":[{"name":"door_closed","level":1,"edges":12},{"name":"enc_a","level":0,"edges":4000}],"position_m":3.142,"referenced":true,"floor":2,"speed_mps":-0.5,"load_kg":512.3,"wind_mps":7.3,"active_faults":[{"type":"overload","instance":"","severity":"warning","raised_id":"r1","raised_for_s":4.123},{"type":"overspeed","instance":"top","severity":"alarm","raised_id":"r2","raised_for_s":null}],"counters":{"trips":3,"door_cycles":0,"running_hours":1.235,"travelled_m":10.3,"limit_actuations":0,"max_speed_mps":1,"max_load_kg":800.1},"outbox":{"count":3,"bytes":1200,"oldest_age_s":3.123,"unsaved":2,"dropped":2},"link":{"state":"connected","last_error":"oops \"x\"","session":3,"acknowledged":7,"in_flight":1,"broker":"broker.example:8883","mqtt_version":"5","set_aside":2},"board_runs":4,"gpio":{"edges":1200,"input_events":0,"lost_edges":3,"quadrature_errors":0,"overflows_suspected":1,"late_edges":2,"resyncs":0,"late_inputs":9},"load_cell":{"samples":50,"failed_samples":4,"discarded_reads":5,"resets":1},"raw":{"encoder_count":-12345,"load_raw":84123.5,"door_zone_marks":[{"n":1,"level":1,"encoder_count":100},{"n":2,"level":0,"encoder_count":900}]},"last_seq":42,"recent_events":[{"seq":41,"type":"overload","transition":"raised","severity":"warning","time":"2023-11-14T22:13:20.000Z","age_s":5}]}
            """#
        ),
        (
            fresh,
            #"""
            {"schema":"hoistwatch.diag/1","device_id":"dev","version":"test","equipment":"elevator","board":"raspberry-pi-4","uptime_s":0,"mono_ns":1,"time":"1970-01-01T00:00:00.000Z","time_synced":true,"inputs":[],"position_m":0,"referenced":false,"floor":null,"speed_mps":0,"load_kg":null,"active_faults":[],"counters":{"trips":0,"door_cycles":0,"running_hours":0,"travelled_m":0,"limit_actuations":0,"max_speed_mps":0,"max_load_kg":0},"outbox":{"count":-1,"bytes":-1,"oldest_age_s":null,"unsaved":0,"dropped":0},"link":{"state":"starting","last_error":null,"session":0,"acknowledged":0,"in_flight":0,"broker":"","mqtt_version":"","set_aside":0},"board_runs":1,"raw":{"encoder_count":0,"load_raw":null,"door_zone_marks":[]},"last_seq":0,"recent_events":[]}
            """#
        ),
    ])
    func theWireHasTheKeysValuesAndNullsItHadBefore(snapshot: DiagnosticsSnapshot, before: String) throws {
        let text = String(decoding: snapshot.encoded(), as: UTF8.self)
        #expect(try JSONValue.parse(Array(text.utf8)) == JSONValue.parse(Array(before.utf8)), "\(text)")
        #expect(!text.contains("\n"), "one line per snapshot")
    }

    @Test(arguments: [busy, fresh])
    func whatTheAgentEncodesEveryReaderDecodes(snapshot: DiagnosticsSnapshot) throws {
        #expect(try DiagnosticsSnapshot(decoding: snapshot.encoded()) == snapshot)
    }

    @Test func aReadingWithoutItsKeyIsNoReadingToo() throws {
        let text = String(decoding: Self.fresh.encoded(), as: UTF8.self)
        #expect(text.contains("\"floor\":null,"))
        let withoutFloor = text.replacingOccurrences(of: "\"floor\":null,", with: "")
        #expect(try DiagnosticsSnapshot(decoding: Array(withoutFloor.utf8)) == Self.fresh)
    }

    @Test func somethingElseIsNotASnapshot() {
        #expect(throws: (any Error).self) { try DiagnosticsSnapshot(decoding: Array("{\"schema\":\"x\"}".utf8)) }
        #expect(throws: (any Error).self) { try DiagnosticsSnapshot(decoding: Array("not json".utf8)) }
    }
}
