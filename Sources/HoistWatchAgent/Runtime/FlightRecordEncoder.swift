import HoistWatchCore
import HoistWatchSystem

/// Turns finished flight records into their outbox entries (the trace rendered and compressed, split into parts
/// that fit the message limit: `EventRouting.entries(for:raised:)`) on a thread of its own, so the detection loop
/// never waits for it: the demo's overspeed record is 55,902 input events, 2.6 MB of trace text before zstd, long
/// enough in a debug build or on a busy board to hold back the next alarm by seconds (issue 14's full-card run:
/// alarms raised just after a record came late with a healthy card too) and to let a GPIO line's kernel buffer
/// fill meanwhile.
///
/// The loop submits each record as it completes and picks up what is encoded at every turn; at the stop it takes
/// the rest (`finish`). Records leave in the order they were submitted, each after its alarm (a record completes
/// seconds after its raise).
final class FlightRecordEncoder: @unchecked Sendable {
    // @unchecked Sendable: `shared` is behind its lock; `routing` never changes; the thread is PosixThread's.

    /// One record's entries, ready for the outbox.
    struct Encoded: Sendable {
        /// The alarm's id (the record's `event_id`).
        let eventId: String
        /// Its outbox entries: one, or its parts.
        let entries: [OutboxEntry]
    }

    private struct Shared {
        var waiting: [(record: FlightRecord, raised: Event)] = []
        var encoded: [Encoded] = []
        var finishing = false
    }

    private let routing: EventRouting
    private let shared = Locked(Shared())
    private let work = WakeSignal()
    private let thread = PosixThread()
    private let threaded: Bool

    /// Starts the encoding thread. Without one (pthread_create failed) records are encoded where they are submitted.
    init(routing: EventRouting) {
        self.routing = routing
        threaded =
            thread.start("FlightRecordEncoder") { [shared, work, routing] in
                Self.run(shared: shared, work: work, routing: routing)
            } == 0
    }

    /// Hands a finished record over; its entries come back from `takeEncoded()` once encoded.
    func submit(_ record: FlightRecord, raised: Event) {
        guard threaded else {
            let encoded = Encoded(eventId: record.eventId, entries: routing.entries(for: record, raised: raised))
            shared.withLock { $0.encoded.append(encoded) }
            return
        }
        shared.withLock { $0.waiting.append((record, raised)) }
        work.signal()
    }

    /// What is encoded so far, in submission order (then forgotten here).
    func takeEncoded() -> [Encoded] {
        shared.withLock { state in
            defer { state.encoded.removeAll() }
            return state.encoded
        }
    }

    /// Encodes everything still waiting, ends the thread, and returns what it has not handed out yet.
    func finish() -> [Encoded] {
        shared.withLock { $0.finishing = true }
        work.signal()
        thread.stop()
        return takeEncoded()
    }

    private static func run(shared: Locked<Shared>, work: WakeSignal, routing: EventRouting) {
        while true {
            let next = shared.withLock { state -> (next: (record: FlightRecord, raised: Event)?, finishing: Bool) in
                (state.waiting.isEmpty ? nil : state.waiting.removeFirst(), state.finishing)
            }
            if let (record, raised) = next.next {
                let encoded = Encoded(eventId: record.eventId, entries: routing.entries(for: record, raised: raised))
                shared.withLock { $0.encoded.append(encoded) }
                continue
            }
            if next.finishing { return }
            _ = work.wait(untilMonotonicNs: SystemClock.monotonicNs() + 1_000_000_000)
        }
    }
}
