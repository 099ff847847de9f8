import CGpiod
import HoistWatchConfig

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// GPIO lines through libgpiod's v2 API (Debian and Raspberry Pi OS trixie, libgpiod 2.x): one request per chip,
/// each line with its own active-low and bias, one kernel event FIFO per request, edges stamped on CLOCK_MONOTONIC
/// (asked for explicitly) and numbered by the kernel, per line and per request.
///
/// What v2 makes exact: the kernel numbers every edge it queues, so an edge dropped from a full FIFO is a gap in
/// the numbers. `GpioEdge.lostBefore` carries each line's gap, `GpioReadResult.droppedEvents` the request's.
/// The v2 kernel drops the *oldest* events of a full FIFO (v1 the newest), so what was read last stays right.
public struct GpiodV2LineSource: GpioLineSource {
    /// The largest kernel event buffer a request can have: 16 events for each of the 64 lines a request may hold.
    public static let maxEventBufferSize = 1024
    /// The kernel's per-request buffer this source asks for: an encoder at 20,000 edges/s while the reader is
    /// held off for 50 ms (1,000 events; the kernel rounds its FIFO up to a power of two, 1,024). The kernel's
    /// default is 16 per line, 48 events for the encoder and a door line: 2.4 ms at that rate.
    public static let defaultEventBufferSize = eventBufferSize(edgesPerSecond: 20_000, readerStallNs: 50_000_000)
    /// With lines on several chips each chip's request is waited on in turn for at most this long (one wait per
    /// request, as in v1), so an edge on another chip waits at most this long to be read.
    public static let multiChipSliceNs: Int64 = 2_000_000

    /// Events the kernel must hold for `edgesPerSecond` while the reader does not run for `readerStallNs`, within
    /// 1 and `maxEventBufferSize`.
    public static func eventBufferSize(edgesPerSecond: Int, readerStallNs: Int64) -> Int {
        let events = (Int64(edgesPerSecond) * readerStallNs + 999_999_999) / 1_000_000_000
        return Int(min(Int64(maxEventBufferSize), max(1, events)))
    }

    let functions: GpiodV2Functions
    /// The kernel event buffer of each request (`gpiod_request_config_set_event_buffer_size`); also the size of
    /// the user-space buffer one read fills.
    public let eventBufferSize: Int

    /// The real libgpiod 2.x (libgpiod.so.3).
    ///
    /// - Throws: `GpioError` `.libraryMissing` when it is not installed.
    public init(eventBufferSize: Int = defaultEventBufferSize) throws(GpioError) {
        self.init(functions: try .system(), eventBufferSize: eventBufferSize)
    }

    /// Another implementation of the C functions: the test seam (`FakeGpiod.functionsV2`).
    public init(functions: GpiodV2Functions, eventBufferSize: Int = defaultEventBufferSize) {
        self.functions = functions
        self.eventBufferSize = min(Self.maxEventBufferSize, max(1, eventBufferSize))
    }

    /// Builds each chip's line configuration (`gpiod_line_settings_*`, `gpiod_line_config_add_line_settings`:
    /// input, both edges, the line's active-low and bias, CLOCK_MONOTONIC) and request configuration (consumer,
    /// event buffer), opens the chip (`gpiod_chip_open`, by path or by label) and requests its lines
    /// (`gpiod_chip_request_lines`). The configuration is built before the chip is opened: the real library
    /// checks every setting, with or without a chip.
    public func request(_ lines: [GpioLineSpec], consumer: String) throws(GpioError) -> any GpioLineRequest {
        try GpiodV2LineRequest(
            lines: lines, consumer: consumer, functions: functions,
            eventBufferSize: eventBufferSize)
    }

    /// Opens the chip and compares its line count; when it is missing, the message lists the chips there are.
    public func chipProblem(_ chip: BoardProfile.Chip, offsets: [UInt32]) -> String? {
        do {
            return try GpiodV2Chip(chip, functions: functions).info.problem(offsets: offsets)
        } catch {
            return error.chipProblem
        }
    }

    /// The v2 bias of a profile's bias.
    static func bias(_ bias: BoardProfile.Bias) -> gpiod_line_bias {
        switch bias {
        case .pullUp: return GPIOD_LINE_BIAS_PULL_UP
        case .pullDown: return GPIOD_LINE_BIAS_PULL_DOWN
        case .disabled: return GPIOD_LINE_BIAS_DISABLED
        case .asIs: return GPIOD_LINE_BIAS_AS_IS
        }
    }
}

/// Lines requested through libgpiod v2: one request per chip, one edge event buffer for the reads.
final class GpiodV2LineRequest: GpioLineRequest {
    /// One chip's request and what the reader knows of its sequence numbers.
    private final class ChipRequest {
        let request: GpiodV2Request
        /// The request positions of its lines, and their offsets, in request order.
        let indices: [Int]
        let offsets: [UInt32]
        /// The request position of each offset.
        let indexByOffset: [UInt32: Int]
        /// The last line sequence number read, per request position (0: none yet; the kernel starts at 1).
        var lastLineSeqno: [Int: UInt32] = [:]
        /// The last request-wide sequence number read (0: none yet).
        var lastGlobalSeqno: UInt32 = 0

        init(request: GpiodV2Request, members: [(index: Int, spec: GpioLineSpec)]) {
            self.request = request
            indices = members.map(\.index)
            offsets = members.map(\.spec.line.offset)
            indexByOffset = Dictionary(uniqueKeysWithValues: members.map { ($0.spec.line.offset, $0.index) })
        }
    }

    let lines: [GpioLineSpec]
    private let functions: GpiodV2Functions
    private var requests: [ChipRequest]
    private let buffer: GpiodV2EdgeEventBuffer
    private var values: [gpiod_line_value] = []
    /// Each request's descriptor (`gpiod_line_request_get_fd`), readable while its kernel FIFO holds events.
    private let descriptors: [Int32]

    init(
        lines: [GpioLineSpec], consumer: String, functions: GpiodV2Functions, eventBufferSize: Int
    )
        throws(GpioError)
    {
        self.lines = lines
        self.functions = functions
        var requests: [ChipRequest] = []
        for chipName in Self.orderedChips(lines) {
            let members = lines.enumerated().filter { $0.element.line.chip == chipName }.map {
                (index: $0.offset, spec: $0.element)
            }
            let subject = members.map(\.spec.subject).joined(separator: ", ")
            let lineConfig = try GpiodV2LineConfig(functions: functions, subject: subject)
            for member in members {
                try lineConfig.add(
                    offsets: [member.spec.line.offset],
                    .bothEdges(
                        bias: GpiodV2LineSource.bias(member.spec.line.bias), activeLow: member.spec.line.activeLow),
                    subject: member.spec.subject)
            }
            let requestConfig = try GpiodV2RequestConfig(
                consumer: consumer, eventBufferSize: eventBufferSize,
                functions: functions, subject: subject)
            let chip = try GpiodV2Chip(chipName, functions: functions)
            if let beyond = members.first(where: { $0.spec.line.offset >= chip.lineCount }) {
                throw GpioError(
                    .invalidLine, function: "gpiod_chip_request_lines", subject: beyond.spec.subject,
                    message: "\(chip.name) \"\(chip.label)\" has only \(chip.lineCount) lines "
                        + "(offsets 0 to \(Int(chip.lineCount) - 1))")
            }
            let request = try GpiodV2Request(
                chip: chip, requestConfig: requestConfig, lineConfig: lineConfig,
                subject: subject)
            requests.append(ChipRequest(request: request, members: members))
        }
        var descriptors: [Int32] = []
        for chipRequest in requests {
            let descriptor = functions.lineRequestGetFd(chipRequest.request.handle)
            guard descriptor >= 0 else {
                throw GpioError.fromErrno(
                    "gpiod_line_request_get_fd",
                    subject: chipRequest.indices.map { lines[$0].subject }.joined(separator: ", "))
            }
            descriptors.append(descriptor)
        }
        self.requests = requests
        self.descriptors = descriptors
        buffer = try GpiodV2EdgeEventBuffer(capacity: eventBufferSize, functions: functions)
    }

    deinit {
        // The requests go first: each holds its chip, which closes after its lines are released.
        requests.removeAll()
    }

    private static func orderedChips(_ lines: [GpioLineSpec]) -> [BoardProfile.Chip] {
        var result: [BoardProfile.Chip] = []
        for spec in lines where !result.contains(spec.line.chip) { result.append(spec.line.chip) }
        return result
    }

    func monotonicNs() -> Int64 { functions.monotonicNs(requests[0].request.chip.handle) }

    func readEdges(timeoutNs: Int64, into edges: inout [GpioEdge]) throws(GpioError) -> GpioReadResult {
        var completeUntilNs = Int64.max
        var droppedEvents = 0
        for (position, chipRequest) in requests.enumerated() {
            let request = chipRequest.request
            let subject = "chip \"\(request.chip.chip.text)\""
            // One chip: wait the whole timeout. Several: the first waits a slice, the others are only polled.
            let waitNs =
                position > 0
                ? 0
                : requests.count == 1 ? timeoutNs : min(timeoutNs, GpiodV2LineSource.multiChipSliceNs)
            let beforeNs = functions.monotonicNs(request.chip.handle)
            let rc = functions.lineRequestWaitEdgeEvents(request.handle, max(0, waitNs))
            let saved = errno
            guard
                try GpiodEdgeWait.linesReady(
                    rc: rc, errnoValue: saved, function: "gpiod_line_request_wait_edge_events", subject: subject,
                    beforeNs: beforeNs, waitNs: waitNs, completeUntilNs: &completeUntilNs)
            else { continue }
            // One FIFO for the whole request, read in kernel order, unless the read filled the whole buffer (more
            // may be queued behind it).
            let count = functions.lineRequestReadEdgeEvents(request.handle, buffer.handle, buffer.capacity)
            if count < 0 {
                let saved = errno
                guard saved == EINTR else {
                    throw GpioError.fromErrno(
                        "gpiod_line_request_read_edge_events", subject: subject,
                        errnoValue: saved)
                }
                continue
            }
            var lastNs = Int64.min
            for slot in 0..<Int(count) {
                guard let event = functions.edgeEventBufferGetEvent(buffer.handle, UInt(slot)) else { continue }
                let offset = UInt32(functions.edgeEventGetLineOffset(event))
                // The kernel's numbers are 32 bits wide (struct gpio_v2_line_event): at 20,000 edges/s they wrap
                // after 2.5 days, so gaps are taken modulo 2^32.
                let globalSeqno = UInt32(truncatingIfNeeded: functions.edgeEventGetGlobalSeqno(event))
                droppedEvents += Int(clamping: globalSeqno &- chipRequest.lastGlobalSeqno &- 1)
                chipRequest.lastGlobalSeqno = globalSeqno
                guard let index = chipRequest.indexByOffset[offset] else { continue }
                let lineSeqno = UInt32(truncatingIfNeeded: functions.edgeEventGetLineSeqno(event))
                let lostBefore = Int(clamping: lineSeqno &- (chipRequest.lastLineSeqno[index] ?? 0) &- 1)
                chipRequest.lastLineSeqno[index] = lineSeqno
                let timestampNs = Int64(truncatingIfNeeded: functions.edgeEventGetTimestampNs(event))
                let level: UInt8 = functions.edgeEventGetEventType(event) == GPIOD_EDGE_EVENT_RISING_EDGE ? 1 : 0
                edges.append(
                    GpioEdge(
                        lineIndex: index, timestampNs: timestampNs, level: level,
                        lostBefore: lostBefore))
                lastNs = max(lastNs, timestampNs)
            }
            if Int(count) == buffer.capacity, lastNs > .min {
                completeUntilNs = min(completeUntilNs, lastNs)
            }
        }
        return GpioReadResult(completeUntilNs: completeUntilNs, suspectedOverflows: 0, droppedEvents: droppedEvents)
    }

    func waitForEdges(timeoutNs: Int64, orReadable wakeDescriptor: Int32) throws(GpioError) -> GpioWaitResult {
        try GpiodDescriptorWait.wait(
            poll: functions.poll, descriptors: descriptors, wakeDescriptor: wakeDescriptor, timeoutNs: timeoutNs,
            subject: lines.map(\.subject).joined(separator: ", "))
    }

    func readLevels(into levels: inout [UInt8]) throws(GpioError) {
        if levels.count != lines.count { levels = [UInt8](repeating: 0, count: lines.count) }
        for chipRequest in requests {
            if values.count < chipRequest.offsets.count {
                values = [gpiod_line_value](repeating: GPIOD_LINE_VALUE_INACTIVE, count: chipRequest.offsets.count)
            }
            let rc = chipRequest.offsets.withUnsafeBufferPointer { offsets in
                values.withUnsafeMutableBufferPointer { out in
                    functions.lineRequestGetValuesSubset(
                        chipRequest.request.handle, offsets.count,
                        offsets.baseAddress, out.baseAddress)
                }
            }
            guard rc == 0 else {
                throw GpioError.fromErrno(
                    "gpiod_line_request_get_values_subset",
                    subject: chipRequest.indices.map { lines[$0].subject }.joined(separator: ", "))
            }
            for (position, index) in chipRequest.indices.enumerated() {
                levels[index] = values[position] == GPIOD_LINE_VALUE_ACTIVE ? 1 : 0
            }
        }
    }
}
