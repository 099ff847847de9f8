import HoistWatchCore
import HoistWatchFiles
import HoistWatchTestSupport
import Testing

/// `TraceFileReader` on trace files: a simulated trace written by `BufferedFileWriter` streams back exactly, and a
/// bad line is refused with the file, its line number and the reason (trace.md "Layout").
@Suite struct TraceFileReaderTests {
    static let header =
        #"{"format":"hoistwatch-trace","version":1,"equipment":"elevator","device_id":"37010000000000000001","initial":{"levels":{"door_closed":1}}}"#

    /// A trace file of one test, in a folder of its own that is removed with it.
    struct TraceFile {
        let directory: TestDirectory
        let path: String
    }

    /// Writes `lines` (newline after each, the last one too unless `finalNewline` is false) as a trace file.
    static func trace(_ lines: [String], finalNewline: Bool = true) throws -> TraceFile {
        let directory = try TestDirectory("trace-reader")
        try directory.write("t.hwtrace.jsonl", lines.joined(separator: "\n") + (finalNewline ? "\n" : ""))
        return TraceFile(directory: directory, path: directory.file("t.hwtrace.jsonl"))
    }

    @Test func aSimulatedTraceReadsBackAsItWasWritten() throws {
        let (simulation, events) = try TraceFixtures.overspeed()
        // Many times the reader's 64 KiB read, so lines are cut between reads and carried over.
        #expect(events.count > 10_000)
        let directory = try TestDirectory("trace-reader")
        let path = directory.file("overspeed.hwtrace.jsonl")
        try TraceFixtures.write(simulation.header, events, to: path)
        let read = try TraceFixtures.read(path)
        #expect(read.headers == [simulation.header])
        #expect(read.events.count == events.count)
        #expect(read.events == events)
    }

    @Test func theLastLineNeedsNoNewlineAndCarriageReturnsAreDropped() throws {
        let lines = [
            Self.header, #"{"t_ns":1000,"line":"door_zone","level":1}"#, #"{"t_ns":2000,"adc":"load","raw":null}"#,
        ]
        let expected = [InputEvent.level(.doorZone, 1, atNs: 1000), .sample(.load, raw: nil, atNs: 2000)]
        let trace = try Self.trace(lines, finalNewline: false)
        #expect(try TraceFixtures.read(trace.path).events == expected)
        try trace.directory.write("crlf.hwtrace.jsonl", lines.map { $0 + "\r\n" }.joined())
        let crlf = try TraceFixtures.read(trace.directory.file("crlf.hwtrace.jsonl"))
        #expect(crlf.headers.map(\.initialLevels) == [[.doorClosed: 1]])
        #expect(crlf.events == expected)
    }

    @Test func aBadLineIsRefusedWithTheFileAndItsLineNumber() throws {
        let trace = try Self.trace([
            Self.header, #"{"t_ns":1000,"line":"door_zone","level":1}"#, "door_zone went up",
            #"{"t_ns":3000,"line":"door_zone","level":0}"#,
        ])
        let error = try #require(TraceFixtures.readError(trace.path))
        #expect(error.code == .syntax)
        #expect(error.file == trace.path)
        #expect(error.line == 3)
        #expect(error.description.hasPrefix("\(trace.path):3: "), "\(error)")
    }

    @Test(arguments: [
        (#"{"t_ns":500,"line":"door_zone","level":0}"#, InputError.Code.outOfOrder, "smaller than the line before"),
        (#"{"t_ns":2000,"line":"wind_pulse","level":1}"#, .invalidValue, "\"wind_pulse\" is not an input of"),
        (#"{"t_ns":2000,"line":"door_zone","level":2}"#, .syntax, "level"),
    ])
    func eachRefusalNamesTheLine(line: String, code: InputError.Code, reason: String) throws {
        let trace = try Self.trace([Self.header, #"{"t_ns":1000,"line":"door_zone","level":1}"#, line])
        let error = try #require(TraceFixtures.readError(trace.path))
        #expect(error.code == code, "\(error)")
        #expect(error.file == trace.path && error.line == 3, "\(error)")
        #expect(error.message.contains(reason), "\(error)")
    }

    @Test func theHeaderIsCheckedOnLineOne() throws {
        let other = try Self.trace([#"{"format":"csv","version":1,"equipment":"elevator","device_id":"x"}"#])
        let error = try #require(TraceFixtures.readError(other.path))
        #expect(
            error.code == .unsupported && error.file == other.path && error.line == 1 && error.key == "format",
            "\(error)")
        let empty = try Self.trace([], finalNewline: false)
        #expect(
            TraceFixtures.readError(empty.path)
                == InputError(.syntax, file: empty.path, line: 1, "the trace is empty: line 1 must be the header"))
    }

    @Test func aMissingTraceIsNamed() throws {
        let directory = try TestDirectory("trace-reader")
        let path = directory.file("missing.hwtrace.jsonl")
        #expect(
            TraceFixtures.readError(path)
                == InputError(.unreadable, file: path, "cannot open the trace: No such file or directory"))
    }

    /// A line far longer than `maxLineBytes` (twice) is refused once that much of it is in, not buffered on: the
    /// reader's memory stays bounded whatever the file holds.
    @Test func anOverlongLineIsRefused() throws {
        let padding = String(repeating: " ", count: 2 * TraceFileReader.maxLineBytes)
        let trace = try Self.trace([Self.header, #"{"t_ns":1000,"# + padding + #""line":"door_zone","level":1}"#])
        let error = try #require(TraceFixtures.readError(trace.path))
        #expect(error.code == .syntax && error.file == trace.path && error.line == 2, "\(error)")
        #expect(error.message == "line longer than \(TraceFileReader.maxLineBytes) bytes")
    }

    /// The limit is exact: a line just over it is refused, whether it ends the file or a newline follows it (one that
    /// came in whole within a read used to pass up to a chunk over the limit); a line at the limit is read.
    @Test(arguments: [false, true])
    func aLineJustOverTheLimitIsRefusedAndOneAtItIsRead(newlineAfter: Bool) throws {
        let event = #"{"t_ns":1000,"line":"door_zone","level":1}"#
        let fill = TraceFileReader.maxLineBytes - event.utf8.count
        let atLimit = #"{"t_ns":1000,"# + String(repeating: " ", count: fill) + #""line":"door_zone","level":1}"#
        #expect(atLimit.utf8.count == TraceFileReader.maxLineBytes)
        let read = try Self.trace([Self.header, atLimit] + (newlineAfter ? [event] : []))
        #expect(TraceFixtures.readError(read.path) == nil)
        let over = try Self.trace([Self.header, atLimit + " "] + (newlineAfter ? [event] : []))
        let error = try #require(TraceFixtures.readError(over.path))
        #expect(error.code == .syntax && error.line == 2 && error.message.contains("line longer than"), "\(error)")
    }

    /// What a caller's callback throws without a file (TraceReplay's own checks) is attributed to the trace.
    @Test func aCallersErrorIsAttributedToTheTrace() throws {
        let trace = try Self.trace([Self.header, #"{"t_ns":1000,"line":"door_zone","level":1}"#])
        do {
            try TraceFileReader(path: trace.path).read(
                onHeader: { _ in },
                onEvent: { (_) throws(InputError) in throw InputError(.invalidValue, line: 2, "refused by the caller") }
            )
            Issue.record("the callback's error was lost")
        } catch {
            #expect(error == InputError(.invalidValue, file: trace.path, line: 2, "refused by the caller"))
        }
    }
}
