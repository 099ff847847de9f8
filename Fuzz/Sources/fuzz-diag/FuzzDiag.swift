import FuzzSupport
import HoistWatchAgent

/// One input: what `hoistwatch diag` reads from the agent's socket (`DiagnosticsSnapshot(decoding:)`), and the
/// screen it draws from what decodes (`DiagScreen.lines`), which must keep to 24 lines of 80 columns.
///
/// The agent's side of the socket reads nothing: each connection gets one snapshot and is closed
/// (`DiagnosticsServer`), so there is no request parser to fuzz there.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDiag(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard let snapshot = try? DiagnosticsSnapshot(decoding: FuzzInput.bytes(start, count)) else { return 0 }
    let lines = DiagScreen.lines(snapshot)
    precondition(lines.count <= 24, "the diag screen has \(lines.count) lines")
    for line in lines {
        precondition(line.count <= DiagScreen.width, "a diag screen line of \(line.count) columns")
    }
    return 0
}
