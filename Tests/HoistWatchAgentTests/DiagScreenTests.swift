import Foundation
import Testing

@testable import HoistWatchAgent

/// `hoistwatch diag`'s screen from whatever the socket sent: the numbers of a broken or hostile agent (nan, inf,
/// beyond any Int) are shown, never converted into a trap, and the screen keeps to 24 lines of 80 columns.
struct DiagScreenTests {
    /// The fresh agent's snapshot of `DiagnosticsSnapshotTests`, with `uptime_s` and one active fault's age
    /// replaced by `uptime` and `raisedFor` (JSON text, as on the wire: "nan" and "inf" are how the agent sends those).
    static func snapshot(uptime: String, raisedFor: String) throws -> DiagnosticsSnapshot {
        var text = String(decoding: DiagnosticsSnapshotTests.fresh.encoded(), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"uptime_s\":0", with: "\"uptime_s\":\(uptime)")
        text = text.replacingOccurrences(
            of: "\"active_faults\":[]",
            with: "\"active_faults\":[{\"type\":\"overload\",\"instance\":\"\",\"severity\":\"warning\","
                + "\"raised_id\":\"r1\",\"raised_for_s\":\(raisedFor)}]")
        return try DiagnosticsSnapshot(decoding: Array(text.utf8))
    }

    /// Each of these trapped in `Int(_:)` (nan, inf, 1e300) or in `FixedPoint.format` (1e20) before.
    @Test(arguments: [
        ("\"nan\"", "1e300", "up nan s", "for 1e+300 s"),
        ("1e20", "\"inf\"", "up 1e+20 s", "for inf s"),
        ("\"-inf\"", "-1e19", "up -inf s", "for -1e+19 s"),
        ("4000", "59.96", "up 1 h 6 min", "for 60.0 s"),
    ])
    func durationsOfAnyNumberAreShown(uptime: String, raisedFor: String, up: String, since: String) throws {
        let lines = DiagScreen.lines(try Self.snapshot(uptime: uptime, raisedFor: raisedFor))
        #expect(lines[0].contains(up), "\(lines[0])")
        #expect(lines.contains { $0.contains("WARNING overload " + since) }, "\(lines)")
        #expect(lines.count <= 24)
        #expect(lines.allSatisfy { $0.count <= DiagScreen.width })
    }

    /// The storage figures (`storage` of the snapshot, as `--json` has them) on one line after the outbox's: state,
    /// what is held in memory against its cap, corrupt entries, the start-up space check; within 24 x 80 even with
    /// every input, four faults and a long error, and with numbers no agent has.
    @Test(arguments: [
        (
            #"{"durable":true,"failing":null,"unsaved":0,"unsaved_bytes":0,"unsaved_cap_bytes":8388608,"corrupt":0,"reserve_held":true,"available_bytes":1073741824,"needed_bytes":79691776,"space_short":false}"#,
            "storage ok  memory 0 (0/8 MiB)  corrupt 0  free 1024/76 MiB"
        ),
        (
            #"{"durable":false,"failing":"full","unsaved":12,"unsaved_bytes":419430,"unsaved_cap_bytes":8388608,"corrupt":3,"reserve_held":false,"available_bytes":31457280,"needed_bytes":79691776,"space_short":true}"#,
            "storage full  memory 12 (0.40/8 MiB)  corrupt 3  free 30/76 MiB  no reserve"
        ),
        (
            #"{"durable":false,"failing":"read_only","unsaved":5,"unsaved_bytes":1048576,"unsaved_cap_bytes":8388608,"corrupt":0,"reserve_held":true,"available_bytes":null,"needed_bytes":null,"space_short":false}"#,
            "storage read_only  memory 5 (1/8 MiB)  corrupt 0"
        ),
        (
            #"{"durable":false,"failing":"io_error","unsaved":9223372036854775807,"unsaved_bytes":9223372036854775807,"unsaved_cap_bytes":-1,"corrupt":9223372036854775807,"reserve_held":false,"available_bytes":-9223372036854775808,"needed_bytes":0,"space_short":true}"#,
            "storage io_error  memory 9223372036854775807 ("
        ),
    ])
    func theStorageFiguresAreOneLineAfterTheOutbox(storage: String, shown: String) throws {
        var text = String(decoding: DiagnosticsSnapshotTests.fresh.encoded(), as: UTF8.self)
        text.removeLast()  // the closing brace
        text += ",\"storage\":\(storage)}"
        let report = try DiagnosticsSnapshot(decoding: Array(text.utf8))
        #expect(report.storage != nil)
        let lines = DiagScreen.lines(report)
        let index = try #require(lines.firstIndex { $0.hasPrefix("storage ") }, "\(lines)")
        #expect(lines[index].hasPrefix(shown), "\(lines[index])")
        #expect(lines[index - 1].hasPrefix("outbox "))
        #expect(lines.count <= 24 && lines.allSatisfy { $0.count <= DiagScreen.width })

        // A crowded screen: many inputs, four faults, a long error, many events: the storage line stays.
        var crowded = report
        crowded.inputs = (0..<16).map { .init(name: "input_\($0)", level: 1, edges: 123_456_789) }
        crowded.activeFaults = (0..<6).map {
            .init(type: "fault_\($0)", instance: "x", severity: "alarm", raisedId: "r", raisedForS: 1)
        }
        crowded.link.lastError = String(repeating: "e", count: 300)
        let screen = DiagScreen.lines(crowded)
        #expect(screen.contains { $0.hasPrefix("storage ") })
        #expect(screen.count <= 24 && screen.allSatisfy { $0.count <= DiagScreen.width })
    }
}
