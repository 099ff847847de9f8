import Foundation
import HoistWatchCore
import HoistWatchFiles
import HoistWatchSimulator
import HoistWatchTestSupport
import Testing

/// `TraceReplay` skips the ticks at which nothing can happen (`DetectionEngine.advanceSkippingIdleTicks`): the output of every
/// library scenario is byte for byte what evaluating every 10 ms tick gives, and a trace with an event at `t_ns` 9e18
/// (about 10^17 ticks away, which kept replay busy for ages: found by `make fuzz`) replays at once.
@Suite struct IdleTickSkipTests {
    static let folder = Repository.path("Scenarios")

    /// The library without its long normal-service scenarios (hours of input: the debug build evaluates every tick
    /// of them for minutes; README "Fuzzing" has them checked once with the release build, and the `trace` fuzz
    /// target compares both ways on every trace it makes).
    static var files: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let long = [
            "elevator-day-in-the-life.toml", "crane-shift.toml", "bench-busy-day.toml", "bench-overload-cycles.toml",
        ]
        return names.filter { $0.hasSuffix(".toml") && !long.contains($0) }.sorted()
    }

    /// Replays `trace` into `output` with ids from one seed; returns the summary and the output's bytes.
    /// The calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID), ns.
    static func threadCPUNs() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    static func replay(
        _ trace: String, _ calibration: Calibration, skipping: Bool, into output: String
    ) throws -> (TraceReplay.Summary, Data) {
        let writer = try BufferedFileWriter(path: output)
        let summary = try TraceReplay(
            calibration: calibration, calibrationPath: "cal.toml", tracePath: trace, skipsIdleTicks: skipping, seed: 7
        ).run(output: writer)
        try writer.close()
        return (summary, try Data(contentsOf: URL(fileURLWithPath: output)))
    }

    @Test("a library scenario replays to the same bytes, skipping idle ticks or not", arguments: files)
    func scenario(file: String) async throws {
        let directory = try TestDirectory("idle-skip")
        // Seconds of computation for the long ones: off the cooperative pool, as the scenario library's own test.
        try await CPUBoundWork.run { () throws in
            var simulation = try ScenarioFile.simulation(scenarioPath: "\(Self.folder)/\(file)", calibrationPath: nil)
            var inputs: [InputEvent] = []
            simulation.run { inputs.append($0) }
            let trace = directory.file("trace.hwtrace.jsonl")
            try TraceFixtures.write(simulation.header, inputs, to: trace)
            let calibration = simulation.calibration
            let (skipped, skippedBytes) = try Self.replay(
                trace, calibration, skipping: true, into: directory.file("skipped.jsonl"))
            let (every, everyBytes) = try Self.replay(
                trace, calibration, skipping: false, into: directory.file("every.jsonl"))
            #expect(skipped.inputEvents == inputs.count)
            #expect(skipped.events == every.events && skipped.records == every.records)
            #expect(skipped.counters == every.counters, "\(file): the counters differ")
            #expect(skippedBytes == everyBytes, "\(file): the events differ")
        }
    }

    /// The seed trace `fuzz-trace` stopped on at once (a stretch of the overspeed scenario that starts 9.5 s in, with
    /// the car moving): the speed window, still filling, had counted only the ticks evaluated, so the skipping
    /// replay saw a higher speed and more running time (the counters differed) until it counted the skipped ones.
    @Test func aTraceStartingLateGivesTheSameCountersAsEveryTick() throws {
        let directory = try TestDirectory("idle-skip-late")
        let trace = Repository.path("Fuzz/regressions/trace/seed-counters-differ.hwtrace.jsonl")
        let calibration = try TraceFixtures.overspeed().simulation.calibration
        let (skipped, skippedBytes) = try Self.replay(
            trace, calibration, skipping: true, into: directory.file("skipped.jsonl"))
        let (every, everyBytes) = try Self.replay(
            trace, calibration, skipping: false, into: directory.file("every.jsonl"))
        #expect(skipped.inputEvents == 61)
        #expect(every.counters.runningS > 0)
        #expect(skipped.counters == every.counters)
        #expect(skippedBytes == everyBytes)
    }

    /// The car at rest on the overspeed scenario's calibration, then events 9e18 ns away: replay skips to the tick
    /// before them. The alarm button pressed there for 2 s is raised 1 s after the press and cleared 5 s after the
    /// release (`alarm_button`'s times), as if every tick had run.
    @Test func anEventAt9e18NanosecondsReplaysInWellUnderASecond() throws {
        let directory = try TestDirectory("idle-skip-far")
        let trace = directory.file("far.hwtrace.jsonl")
        let (simulation, _) = try TraceFixtures.overspeed()
        let calibration = simulation.calibration
        let header = simulation.header
        let alarm = header.initialLevel(.alarmButton)
        let far: Int64 = 9_000_000_000_000_000_000
        let second: Int64 = 1_000_000_000
        let inputs: [InputEvent] = [
            .level(.alarmButton, 1 - alarm, atNs: far),
            .level(.alarmButton, alarm, atNs: far + 2 * second),
            .level(.alarmButton, alarm, atNs: far + 10 * second),
        ]
        try TraceFixtures.write(header, inputs, to: trace)
        // This thread's CPU time, not the wall clock's: the replay runs here, and a full pass on a loaded machine
        // once held the thread off for 2 s of a replay that took milliseconds (the bound is for 10^17 ticks evaluated).
        let started = Self.threadCPUNs()
        let (summary, bytes) = try Self.replay(trace, calibration, skipping: true, into: directory.file("out.jsonl"))
        let took = Duration.nanoseconds(Self.threadCPUNs() - started)
        #expect(took < .seconds(1), "replay took \(took) of CPU")
        #expect(summary.inputEvents == 3)
        let lines = try String(decoding: bytes, as: UTF8.self).split(separator: "\n").map {
            try #require(try JSONValue.parse(Array($0.utf8)).object)
        }
        #expect(
            lines.map { "\($0["type"]?.string ?? "") \($0["transition"]?.string ?? "")" } == [
                "alarm_button raised", "alarm_button cleared",
            ])
        // Every tick evaluated would take ages here: the times are those of the same presses at the start instead.
        let near = directory.file("near.hwtrace.jsonl")
        try TraceFixtures.write(
            header, inputs.map { InputEvent(tNs: $0.tNs - far, source: $0.source, value: $0.value) }, to: near)
        let (_, nearBytes) = try Self.replay(near, calibration, skipping: false, into: directory.file("near.jsonl"))
        let nearLines = try String(decoding: nearBytes, as: UTF8.self).split(separator: "\n").map {
            try #require(try JSONValue.parse(Array($0.utf8)).object)
        }
        #expect(nearLines.count == 2)
        let monoNs = try Self.monoNs(bytes)
        let nearMonoNs = try Self.monoNs(nearBytes)
        #expect(monoNs.count == 2 && monoNs.map { $0 - far } == nearMonoNs)
    }

    /// Each line's `mono_ns`, read from the text (a Double does not hold 9e18 to the nanosecond).
    static func monoNs(_ output: Data) throws -> [Int64] {
        try String(decoding: output, as: UTF8.self).split(separator: "\n").map { line in
            let digits = try #require(line.split(separator: "\"mono_ns\":").last).prefix { $0.isNumber }
            return try #require(Int64(digits))
        }
    }
}
