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
}
