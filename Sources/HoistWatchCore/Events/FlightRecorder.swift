/// An alarm's flight record: every input event from `preroll_s` before the raise to 5 s after it (faults.md).
public struct FlightRecord: Sendable {
    /// The `id` of the alarm's raised event (the record topic is `record/{event_id}`).
    public var eventId: String
    /// The fault the alarm raised (named in the header's note).
    public var type: FaultType
    /// Run time of the raise, nanoseconds (trace time in `replay`); the record closes 5 s after it.
    public var raisedAtNs: Int64
    /// The trace header (initial levels are those at the start of the record).
    public var header: TraceHeader
    /// The input events from the start of the pre-roll to the end of the post-roll (or of the trace, at shutdown),
    /// oldest first, stamped in run time.
    public var events: [InputEvent]
    /// True when the ring was too small for the whole pre-roll (very dense inputs): the record starts later.
    public var truncated: Bool

    /// The record as a trace (trace.md), ready to publish or save.
    public func encoded() -> [UInt8] { TraceEncoder.encode(header: header, events: events) }
}

/// Keeps the last `preroll_s` of input events, at most `capacity` of them, and assembles flight records for alarms.
///
/// The pre-roll is a queue of fixed blocks of `blockEvents` events (64 KiB each) rather than one ring allocated at
/// `capacity` up front: memory follows what the pre-roll actually holds (a busy elevator, about 7,000 encoder
/// edges a second: some 70,000 events, 1.1 MiB for 10 s; an idle one: one block), is never copied when it grows,
/// and stays bounded by `capacity`. Records are exactly those of a ring of `capacity` events: the oldest event is
/// only ever dropped early (and the record marked `truncated`) when `capacity` events are held.
public struct FlightRecorder: Sendable {
    /// Events per block: 4,096 x 16 bytes = 64 KiB, below malloc's mmap threshold, so blocks recycle in the heap.
    static let blockEvents = 1 << 12

    /// The pre-roll, oldest first: `blocks[0][head...]`, then every later block. Only the last block is partly
    /// filled; a block whose events have all left the pre-roll is kept as `spare` for the next one.
    private var blocks: [[InputEvent]] = []
    private var head = 0
    private var spare: [InputEvent] = []
    private var stored = 0
    private let capacity: Int
    private let prerollNs: Int64
    private static let postrollNs: Int64 = 5_000_000_000
    private var open: [FlightRecord] = []
    /// Levels of every digital input as of the oldest event held, to seed a record's header.
    private var tracker: LevelTracker

    /// `capacity` bounds memory (16 bytes an event); 262,144 holds 10 s of a 20 kHz encoder with room to spare.
    /// Blocks are only allocated as the pre-roll fills, so a quiet input costs one block.
    public init(prerollS: Double, header: TraceHeader, capacity: Int = 1 << 18) {
        self.capacity = max(1, capacity)
        prerollNs = Int64(prerollS * 1e9)
        tracker = LevelTracker(header: header)
    }

    /// Records one input event; completes open records whose post-roll has passed.
    public mutating func append(_ event: InputEvent, completed: inout [FlightRecord]) {
        if !open.isEmpty { closeRecords(before: event.tNs, into: &completed) }
        if stored == capacity { tracker.apply(removeOldest()) }
        push(event)
        for index in open.indices { open[index].events.append(event) }
        // Forget levels older than the pre-roll so a record's header describes its own start.
        while stored > 0 {
            let oldest = blocks[0][head]
            guard event.tNs - oldest.tNs > prerollNs else { break }
            tracker.apply(oldest)
            _ = removeOldest()
        }
    }

    /// Starts a record for an alarm raised at `atNs`.
    public mutating func begin(eventId: String, type: FaultType, atNs: Int64) {
        var levels = tracker
        var events: [InputEvent] = []
        let start = atNs - prerollNs
        var truncated = true
        for (index, block) in blocks.enumerated() {
            for event in block[(index == 0 ? head : 0)...] {
                if event.tNs < start {
                    levels.apply(event)
                    truncated = false
                } else {
                    events.append(event)
                }
            }
        }
        if stored < capacity { truncated = false }
        var header = levels.header
        header.note = "flight record of \(type.rawValue) \(eventId), trace time \(start) ns onwards"
        open.append(FlightRecord(eventId: eventId, type: type, raisedAtNs: atNs, header: header,
                                 events: events, truncated: truncated))
    }

    /// Adds `event` as the newest, starting a block (the spare one if there is one) when the last is full.
    private mutating func push(_ event: InputEvent) {
        if blocks.isEmpty || blocks[blocks.count - 1].count == Self.blockEvents {
            var block: [InputEvent] = []
            swap(&block, &spare)
            if block.capacity < Self.blockEvents { block.reserveCapacity(Self.blockEvents) }
            blocks.append(block)
        }
        blocks[blocks.count - 1].append(event)
        stored += 1
    }

    /// Drops the oldest event held (`stored > 0`) and returns it. A block is only left behind once all its
    /// events are (so only when it was full: only the last block is partly filled); it becomes the spare.
    private mutating func removeOldest() -> InputEvent {
        let oldest = blocks[0][head]
        head += 1
        stored -= 1
        if head == Self.blockEvents {
            spare = blocks.removeFirst()
            spare.removeAll(keepingCapacity: true)
            head = 0
        }
        return oldest
    }

    /// Closes every open record (end of a trace, or shutdown) even if its post-roll is not over.
    public mutating func finish(into completed: inout [FlightRecord]) {
        completed.append(contentsOf: open)
        open.removeAll()
    }

    private mutating func closeRecords(before tNs: Int64, into completed: inout [FlightRecord]) {
        var index = 0
        while index < open.count {
            if tNs > open[index].raisedAtNs + Self.postrollNs {
                completed.append(open.remove(at: index))
            } else {
                index += 1
            }
        }
    }
}

/// The logical level of every digital input, replayed from events (seeds a flight record's header).
struct LevelTracker: Sendable {
    var header: TraceHeader

    init(header: TraceHeader) {
        self.header = header
        self.header.initialPositionM = nil
    }

    mutating func apply(_ event: InputEvent) {
        if case .line(let input) = event.source { header.initialLevels[input] = UInt8(truncatingIfNeeded: event.value) }
    }
}
