import Testing

@testable import HoistWatchAgent

/// `make bench`'s per-step latency trace: each step measured between the marks, a path given back once, at its
/// PUBACK, and only for an entry read after a commit at or after its confirm instant.
@Suite struct LatencyTraceTests {
    @Test func aPathIsGivenBackOnceAtItsPubackWithEveryStep() {
        let trace = LatencyTrace()
        trace.appending()
        trace.committed()
        trace.woke()
        trace.read(id: "evt-1", confirmNs: 1)
        #expect(trace.acknowledged(id: "evt-1") == nil, "not handed to libmosquitto yet")
        trace.read(id: "evt-1", confirmNs: 1)
        trace.handed(id: "evt-1")
        let path = trace.acknowledged(id: "evt-1")
        #expect(trace.acknowledged(id: "evt-1") == nil, "once")
        guard let path else {
            Issue.record("no path")
            return
        }
        #expect(path.confirmNs == 1)
        #expect(path.confirmNs <= path.appendingNs && path.appendingNs <= path.committedNs)
        #expect(path.committedNs <= path.wokeNs && path.wokeNs <= path.readNs)
        #expect(path.readNs <= path.handedNs && path.handedNs <= path.acknowledgedNs)
        let steps = path.stepsUs
        #expect(
            Set(steps.keys) == [
                "latency.detect_us", "latency.commit_us", "latency.wake_us", "latency.read_us",
                "latency.hand_us", "latency.puback_us", "latency.total_us",
            ])
        #expect(steps.values.allSatisfy { (Int($0) ?? -1) >= 0 })
    }

    @Test func anEntryConfirmedAfterTheLastCommitIsNotTraced() {
        let trace = LatencyTrace()
        trace.committed()
        trace.read(id: "old", confirmNs: .max)
        trace.handed(id: "old")
        #expect(trace.acknowledged(id: "old") == nil)
    }

    @Test func itHoldsAtMostItsCapacity() {
        let trace = LatencyTrace()
        trace.committed()
        for n in 0..<(LatencyTrace.capacity + 10) { trace.read(id: "e\(n)", confirmNs: 0) }
        for n in 0..<(LatencyTrace.capacity + 10) { trace.handed(id: "e\(n)") }
        let kept = (0..<(LatencyTrace.capacity + 10)).filter { trace.acknowledged(id: "e\($0)") != nil }
        #expect(kept.count == LatencyTrace.capacity && kept.last == LatencyTrace.capacity - 1)
    }
}
