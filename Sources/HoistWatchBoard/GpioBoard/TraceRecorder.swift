import HoistWatchCore

/// Turns what a board's inputs do into a trace (trace.md): the header first, then every input event with its
/// time made relative to the start of the recording. Pure: the bytes go to the caller's `write`, in chunks of
/// about `flushBytes`.
public struct TraceRecorder {
    /// CLOCK_MONOTONIC time that becomes `t_ns` 0 (the backend's first read of the levels).
    public let originNs: Int64
    /// Input events written so far.
    public private(set) var eventCount: Int64 = 0
    /// Events stamped before the previous one (another producer's, or before the start) and written at its time.
    public var clampedEvents: Int64 { written.lateInputs }
    private var json: JSONText
    /// The time of the last event written (`LateInputRule`).
    private var written = LateInputRule(startNs: 0)
    private let flushBytes: Int

    /// Starts a trace with `header` (its `initial.levels` are what the backend read at `originNs`).
    public init(header: TraceHeader, originNs: Int64, flushBytes: Int = 1 << 16) {
        self.originNs = originNs
        self.flushBytes = flushBytes
        json = JSONText(reservingCapacity: flushBytes + 4096)
        json.bytes.append(contentsOf: header.encoded())
        json.bytes.append(0x0A)
    }

    /// Appends `events` (absolute CLOCK_MONOTONIC times); writes when the buffer is full.
    public mutating func append(
        _ events: [InputEvent], write: ([UInt8]) throws(InputError) -> Void
    )
        throws(InputError)
    {
        for var event in events {
            event.tNs = written.handOn(stampedNs: event.tNs - originNs)
            TraceEncoder.append(event, to: &json)
            eventCount += 1
        }
        if json.bytes.count >= flushBytes { try flush(write) }
    }

    /// Writes whatever is buffered.
    public mutating func flush(_ write: ([UInt8]) throws(InputError) -> Void) throws(InputError) {
        guard !json.bytes.isEmpty else { return }
        try write(json.bytes)
        json.bytes.removeAll(keepingCapacity: true)
    }
}
