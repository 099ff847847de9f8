import HoistWatchCore

/// The loop that reads a board which reads itself (its threads fill it; the caller only collects): read what is
/// complete, hand it on, wait, until told to stop; then stop the board and read once more, so that what its threads
/// read until then is handed on too. `hoistwatch record` (`BoardRecording`) and the board tests read a board this
/// way; the agent's detection loop has a tick and a clock of its own.
public enum BoardPolling {
    /// One read of the board.
    public struct Turn {
        /// What the board handed on, in order.
        public var inputs: [BoardInput]
        /// What the read said.
        public var progress: BoardProgress
        /// The board's counters right after the read.
        public var counters: BoardInputCounters?
        /// The board was stopped before this read: it is the last, with what its threads left.
        public var isLast: Bool

        /// The input events among `inputs`.
        public var events: [InputEvent] { inputs.compactMap(\.event) }
    }

    /// Reads `board` (started) every `interval` and hands each read to `turn` until it returns false; then, when
    /// `stopsBoard`, stops the board and hands on one last read (`isLast`; what `turn` returns then is not asked).
    public static func poll(
        _ board: inout some BoardInputSource, every interval: Duration, stopsBoard: Bool = true,
        _ turn: (Turn) -> Bool
    ) async {
        var stopped = false
        while true {
            var inputs: [BoardInput] = []
            let progress = board.read(untilBoardNs: .max) { inputs.append($0) }
            let goOn = turn(Turn(inputs: inputs, progress: progress, counters: board.inputCounters, isLast: stopped))
            if stopped { return }
            if !goOn {
                guard stopsBoard else { return }
                board.stop()
                stopped = true
                continue
            }
            try? await Task.sleep(for: interval)
        }
    }
}
