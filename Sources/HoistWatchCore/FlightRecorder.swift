/// An alarm's flight record: every input event from `preroll_s` before the raise to 5 s after it (faults.md).
public struct FlightRecord: Sendable {
    /// The `id` of the alarm's raised event (the record topic is `record/{event_id}`).
    public var eventId: String
    public var type: FaultType
    public var raisedAtNs: Int64
    /// The trace header (initial levels are those at the start of the record).
    public var header: TraceHeader
    public var events: [InputEvent]
    /// True when the ring was too small for the whole pre-roll (very dense inputs): the record starts later.
    public var truncated: Bool

    /// The record as a trace (trace.md), ready to publish or save.
    public func encoded() -> [UInt8] { TraceEncoder.encode(header: header, events: events) }
}

/// Keeps the last `preroll_s` of input events in a bounded ring and assembles flight records for alarms.
public struct FlightRecorder: Sendable {
    private var ring: [InputEvent]
    private var next = 0
    private var stored = 0
    private let prerollNs: Int64
    private static let postrollNs: Int64 = 5_000_000_000
    private var open: [FlightRecord] = []
    /// Levels of every digital input as of the oldest event in the ring, to seed a record's header.
    private var tracker: LevelTracker

    /// `capacity` bounds memory (16 bytes an event); 262,144 holds 10 s of a 20 kHz encoder with room to spare.
    public init(prerollS: Double, header: TraceHeader, capacity: Int = 1 << 18) {
        ring = Array(repeating: InputEvent(tNs: 0, source: .adc(.load), value: 0), count: capacity)
        prerollNs = Int64(prerollS * 1e9)
        tracker = LevelTracker(header: header)
    }

    /// Records one input event; completes open records whose post-roll has passed.
    public mutating func append(_ event: InputEvent, completed: inout [FlightRecord]) {
        if !open.isEmpty { closeRecords(before: event.tNs, into: &completed) }
        if stored == ring.count { tracker.apply(ring[next]) }
        ring[next] = event
        next = (next + 1) % ring.count
        if stored < ring.count { stored += 1 }
        for index in open.indices { open[index].events.append(event) }
        // Forget levels older than the pre-roll so a record's header describes its own start.
        while stored > 0 {
            let oldest = (next - stored + ring.count) % ring.count
            guard event.tNs - ring[oldest].tNs > prerollNs else { break }
            tracker.apply(ring[oldest])
            stored -= 1
        }
    }

    /// Starts a record for an alarm raised at `atNs`.
    public mutating func begin(eventId: String, type: FaultType, atNs: Int64) {
        var levels = tracker
        var events: [InputEvent] = []
        let start = atNs - prerollNs
        var truncated = true
        for offset in 0..<stored {
            let event = ring[(next - stored + offset + ring.count) % ring.count]
            if event.tNs < start {
                levels.apply(event)
                truncated = false
            } else {
                events.append(event)
            }
        }
        if stored < ring.count { truncated = false }
        var header = levels.header
        header.note = "flight record of \(type.rawValue) \(eventId), trace time \(start) ns onwards"
        open.append(FlightRecord(eventId: eventId, type: type, raisedAtNs: atNs, header: header,
                                 events: events, truncated: truncated))
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
