import HoistWatchConfig
import HoistWatchCore

/// One input line to request: what it carries (for messages) and where it is.
public struct GpioLineSpec: Sendable, Hashable {
    /// The logical input it carries.
    public var input: InputName
    /// Chip, offset, polarity and bias from the board profile.
    public var line: BoardProfile.Line

    /// The line of `input` as the profile maps it.
    public init(input: InputName, line: BoardProfile.Line) {
        self.input = input
        self.line = line
    }

    /// `chip "pinctrl-bcm2711" line 17 (enc_a)`, for errors.
    public var subject: String { "chip \"\(line.chip.text)\" line \(line.offset) (\(input.wireName))" }
}

/// One edge as the kernel reported it.
public struct GpioEdge: Sendable, Hashable {
    /// Position of the line in the request's `lines`.
    public var lineIndex: Int
    /// The kernel's timestamp, CLOCK_MONOTONIC nanoseconds (v1 events on kernels since 5.7; v2 asks for it).
    public var timestampNs: Int64
    /// The logical level after the edge (active-low already applied by the kernel): 1 for a rising edge.
    public var level: UInt8
    /// Edges of this line the kernel numbered and dropped before this one (v2: the gap in its line sequence
    /// number); always 0 from v1, which numbers nothing.
    public var lostBefore: Int

    /// An edge of the line at `lineIndex`, stamped `timestampNs`, leaving the line at `level`, after `lostBefore`
    /// edges of the line the kernel dropped.
    public init(lineIndex: Int, timestampNs: Int64, level: UInt8, lostBefore: Int = 0) {
        self.lineIndex = lineIndex
        self.timestampNs = timestampNs
        self.level = level
        self.lostBefore = lostBefore
    }
}

/// What one `readEdges` call found.
public struct GpioReadResult: Sendable, Hashable {
    /// Every edge stamped at or before this time (the request's clock) has been delivered by this call or an
    /// earlier one, as far as the interface can tell; later edges may still be queued in the kernel.
    public var completeUntilNs: Int64
    /// Reads that may have lost edges in the kernel (v1: a read that returned a whole 16-event FIFO, which drops
    /// the newest events when full). Always 0 from v2, whose losses are counted, not suspected.
    public var suspectedOverflows: Int
    /// Events the kernel numbered and dropped before the ones read (v2: gaps in the request-wide sequence number,
    /// known at once, whichever lines they were of); always 0 from v1.
    public var droppedEvents: Int

    /// A read complete up to `completeUntilNs` that filled `suspectedOverflows` kernel FIFOs and found
    /// `droppedEvents` events dropped.
    public init(completeUntilNs: Int64, suspectedOverflows: Int, droppedEvents: Int = 0) {
        self.completeUntilNs = completeUntilNs
        self.suspectedOverflows = suspectedOverflows
        self.droppedEvents = droppedEvents
    }
}

/// Requested input lines, reporting both edges: the narrow seam between the input backend and one version of
/// the kernel interface: libgpiod v1 (`GpiodV1LineSource`, bookworm) or v2 (`GpiodV2LineSource`, trixie: one
/// FIFO per request, sequence numbers); `GpiodLibrary` says which this machine has.
///
/// Used from one thread at a time (the backend's reader thread). Releasing the last reference releases the lines.
public protocol GpioLineRequest: AnyObject {
    /// The requested lines; edges and levels refer to them by position.
    var lines: [GpioLineSpec] { get }

    /// Waits up to `timeoutNs` (0: not at all) for edges on any line, then reads what is queued and appends it to
    /// `edges` (in kernel order within each line; lines may interleave in any order).
    func readEdges(timeoutNs: Int64, into edges: inout [GpioEdge]) throws(GpioError) -> GpioReadResult

    /// Waits up to `timeoutNs` (negative: no limit) until an edge is queued on any line or `wakeDescriptor`
    /// (another thread's wake-up, an eventfd) is readable, on the descriptors the kernel interface gives (v1:
    /// `gpiod_line_event_get_fd` of each line; v2: `gpiod_line_request_get_fd` of each chip's request), all in one
    /// `ppoll`. Reads nothing: `readEdges(timeoutNs: 0, ...)` then takes what is queued.
    func waitForEdges(timeoutNs: Int64, orReadable wakeDescriptor: Int32) throws(GpioError) -> GpioWaitResult

    /// The current logical level of every line, in `lines` order (`levels` is replaced).
    func readLevels(into levels: inout [UInt8]) throws(GpioError)

    /// The clock edge timestamps are in (CLOCK_MONOTONIC), nanoseconds.
    func monotonicNs() -> Int64
}

/// What a `waitForEdges` came to.
public enum GpioWaitResult: Sendable, Hashable {
    /// An edge is queued on at least one line (the wake-up may be readable too).
    case edges
    /// Only the wake-up descriptor is readable.
    case woken
    /// Nothing for the whole timeout, or a signal cut the wait short.
    case timedOut
}

/// Opens GPIO lines: the factory side of the seam.
public protocol GpioLineSource: Sendable {
    /// Requests `lines` as inputs reporting both edges, with each line's active-low and bias; `consumer` is the
    /// name `gpioinfo` shows for them.
    func request(_ lines: [GpioLineSpec], consumer: String) throws(GpioError) -> any GpioLineRequest

    /// Why `chip` cannot be used on this machine (missing, not readable, fewer lines than `offsets` need), or nil
    /// when it can. Opens the chip to read its label and line count; requests nothing.
    func chipProblem(_ chip: BoardProfile.Chip, offsets: [UInt32]) -> String?
}
