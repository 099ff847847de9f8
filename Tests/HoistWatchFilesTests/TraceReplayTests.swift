import Foundation
import HoistWatchCore
import HoistWatchFiles
import HoistWatchTestSupport
import Testing

/// `TraceReplay` on a simulated trace file: the events and flight records the detection engine gives for the same
/// inputs in memory, the trace's own checks, and the header's wall time.
@Suite struct TraceReplayTests {
    /// The overspeed trace, written in `directory`; returns its path and what the simulation gave.
    static func overspeedTrace(
        in directory: TestDirectory, header edit: (inout TraceHeader) -> Void = { _ in }
    )
        throws -> (path: String, header: TraceHeader, calibration: Calibration, inputs: [InputEvent])
    {
        let (simulation, inputs) = try TraceFixtures.overspeed()
        var header = simulation.header
        edit(&header)
        let path = directory.file("overspeed.hwtrace.jsonl")
        try TraceFixtures.write(header, inputs, to: path)
        return (path, header, simulation.calibration, inputs)
    }

    /// Replays `trace` into `directory/events.jsonl`; returns the summary and each output line parsed.
    static func replay(
        _ trace: String, _ calibration: Calibration, in directory: TestDirectory,
        records: String? = nil
    ) throws -> (TraceReplay.Summary, [[String: JSONValue]]) {
        let output = directory.file("events.jsonl")
        let writer = try BufferedFileWriter(path: output)
        let summary = try TraceReplay(
            calibration: calibration, calibrationPath: "cal.toml", tracePath: trace, recordsFolder: records
        ).run(output: writer)
        try writer.close()
        let lines = try TextFile.read(output).split(separator: "\n")
        return (summary, try lines.map { try #require(try JSONValue.parse(Array($0.utf8)).object) })
    }

    /// A payload without what a replay draws at random (event ids, the boot id).
    static func withoutRandomIds(_ payload: [String: JSONValue]) -> [String: JSONValue] {
        payload.filter { !["id", "boot_id", "raised_id"].contains($0.key) }
    }

    @Test func aSimulatedTraceGivesTheEnginesEventsAndFlightRecords() throws {
        let directory = try TestDirectory("replay")
        let (trace, header, calibration, inputs) = try Self.overspeedTrace(in: directory)
        // The reference: the same inputs fed to the engine in memory.
        var engine = DetectionEngine(
            calibration: calibration, header: header,
            stamper: .replay(deviceId: calibration.deviceId))
        var expected: [Event] = []
        for input in inputs { engine.process(input, into: &expected) }
        engine.finish(into: &expected)
        #expect(
            expected.map { "\($0.type.rawValue) \($0.transition.rawValue)" } == [
                "overspeed raised", "overspeed cleared",
            ])

        let records = directory.file("records")
        try FileManager.default.createDirectory(atPath: records, withIntermediateDirectories: false)
        let (summary, payloads) = try Self.replay(trace, calibration, in: directory, records: records)
        #expect(summary.inputEvents == inputs.count)
        #expect(summary.events == expected.count)
        #expect(summary.warning == nil)
        #expect(summary.counters == engine.counters)
        let reference = try expected.map { try #require(try JSONValue.parse($0.jsonBytes()).object) }
        #expect(payloads.map(Self.withoutRandomIds) == reference.map(Self.withoutRandomIds))
        // The cleared event points at the raised one of the same replay.
        #expect(payloads.count == 2 && payloads[1]["raised_id"] == payloads[0]["id"])

        // One flight record per alarm, named after its raised event, holding the inputs the engine recorded.
        #expect(summary.records == engine.completedRecords.count && summary.records == 1)
        let raisedId = try #require(payloads.first?["id"]?.string)
        let names = try FileManager.default.contentsOfDirectory(atPath: records)
        #expect(names == ["\(raisedId).hwtrace.jsonl"])
        let record = try TraceFixtures.read("\(records)/\(raisedId).hwtrace.jsonl")
        let recorded = try #require(engine.completedRecords.first)
        // The record's note names its raised event: this replay's, where the reference named its own.
        var recordHeader = recorded.header
        recordHeader.note = recordHeader.note?.replacingOccurrences(of: recorded.eventId, with: raisedId)
        #expect(recordHeader.note?.contains(raisedId) == true)
        #expect(record.headers == [recordHeader])
        #expect(!record.events.isEmpty && record.events == recorded.events)
    }

    @Test func aTraceOfOtherEquipmentIsRefusedOnItsHeaderLine() throws {
        let directory = try TestDirectory("replay")
        let (trace, _, elevator, _) = try Self.overspeedTrace(in: directory)
        var crane = elevator
        crane.equipment = .crane
        let output = directory.file("events.jsonl")
        let writer = try BufferedFileWriter(path: output)
        do {
            _ = try TraceReplay(calibration: crane, calibrationPath: "crane.toml", tracePath: trace).run(output: writer)
            Issue.record("replayed an elevator's trace with a crane's calibration")
        } catch {
            #expect(error.code == .invalidValue && error.file == trace && error.line == 1 && error.key == "equipment")
            #expect(error.message.contains("elevator") && error.message.contains("crane.toml"), "\(error)")
        }
        try writer.close()
        #expect(try TextFile.read(output) == "", "events written for a refused trace")
    }

    @Test func anotherDevicesTraceIsReplayedAsTheCalibrationsDeviceWithAWarning() throws {
        let directory = try TestDirectory("replay")
        let (trace, _, calibration, _) = try Self.overspeedTrace(in: directory) { $0.deviceId = "37010000000000000999" }
        let (summary, payloads) = try Self.replay(trace, calibration, in: directory)
        let warning = try #require(summary.warning)
        #expect(warning.contains("37010000000000000999") && warning.contains(calibration.deviceId), "\(warning)")
        #expect(!payloads.isEmpty && payloads.allSatisfy { $0["device_id"]?.string == calibration.deviceId })
    }

    @Test func theHeadersStartTimeGivesRealWallTimes() throws {
        let directory = try TestDirectory("replay")
        let start = "2025-03-01T08:00:00Z"
        let (trace, _, calibration, _) = try Self.overspeedTrace(in: directory) { $0.startTime = start }
        let (_, payloads) = try Self.replay(trace, calibration, in: directory)
        let startNs = try #require(RFC3339.parseNs(start))
        #expect(!payloads.isEmpty)
        for payload in payloads {
            let monoNs = try #require(payload["mono_ns"]?.int64)
            #expect(payload["time"]?.string == WallTime.rfc3339(ns: startNs + monoNs))
            #expect(payload["time_synced"] == .bool(true))
        }
        // Without a start time: the Unix epoch plus trace time, marked not synced.
        let (_, unsynced) = try Self.replay(try Self.overspeedTrace(in: directory).path, calibration, in: directory)
        #expect(unsynced.first?["time_synced"] == .bool(false))
        #expect(unsynced.first?["time"]?.string?.hasPrefix("1970-01-01T") == true)
    }

    /// A start time beyond 2262 (more nanoseconds since 1970 than an Int64 holds) trapped in `RFC3339.parseNs`: found
    /// by `make fuzz` (fuzz-trace). It is no start time now: the replay runs as without one.
    @Test func aStartTimeNoInt64OfNanosecondsHoldsIsNoStartTime() throws {
        let directory = try TestDirectory("replay")
        let (trace, _, calibration, _) = try Self.overspeedTrace(in: directory) {
            $0.startTime = "9999-01-02T03:04:05Z"
        }
        let (_, payloads) = try Self.replay(trace, calibration, in: directory)
        #expect(!payloads.isEmpty)
        #expect(payloads.allSatisfy { $0["time_synced"] == .bool(false) })
        #expect(payloads.first?["time"]?.string?.hasPrefix("1970-01-01T") == true)
    }
}
