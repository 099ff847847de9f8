import HoistWatchCore

/// `hoistwatch record`'s loop: a real board's inputs as the detection loop sees them (edges and load-cell samples
/// merged by time, in board time since the lines were opened), written as a trace (trace.md) through
/// `TraceRecorder`, until asked to stop. The bytes go to the caller's `write`; `flush` makes them durable, at least
/// once a second, so a power cut loses at most that much.
public enum BoardRecording {
    /// What a recording did.
    public struct Summary: Sendable {
        /// Input events written.
        public var events: Int64 = 0
        /// The board's counters at the end (edges, lost edges, load reads).
        public var counters: BoardInputCounters?
        /// Why it ended early (reading the board, or writing the trace, failed).
        public var failure: String?
    }

    /// Starts `board`, writes `header` and every input until `stopRequested` says so (checked every `pollMs`),
    /// stops the board and writes what its threads read until then.
    public static func record(
        _ board: any BoardInputSource, header: TraceHeader,
        write: ([UInt8]) throws(InputError) -> Void, flush: () throws(InputError) -> Void,
        stopRequested: @Sendable () -> Bool, pollMs: Int = 50
    ) async -> Summary {
        var board = board
        var summary = Summary()
        // Board times are already relative to the first read of the levels (the header's time 0).
        var recorder = TraceRecorder(header: header, originNs: 0)
        do {
            try board.start()
        } catch {
            summary.failure = "reading the board failed: \(error)"
            return summary
        }
        var lastFlush = ContinuousClock.now
        await BoardPolling.poll(&board, every: .milliseconds(pollMs)) { turn in
            do throws(InputError) {
                try recorder.append(turn.events, write: write)
                if turn.isLast || ContinuousClock.now - lastFlush >= .seconds(1) {
                    try recorder.flush(write)
                    try flush()
                    lastFlush = ContinuousClock.now
                }
            } catch {
                summary.failure = summary.failure ?? "writing the trace failed: \(error)"
            }
            if case .failed(let message) = turn.progress, summary.failure == nil { summary.failure = message }
            // After a failure too: the threads are stopped, then one more turn writes what they read (unless writing
            // is what failed).
            return summary.failure == nil && !stopRequested()
        }
        summary.events = recorder.eventCount
        summary.counters = board.inputCounters
        return summary
    }
}
