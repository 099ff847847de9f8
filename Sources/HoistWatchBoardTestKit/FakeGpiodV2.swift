import CGpiod
import HoistWatchBoard

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// The fake libgpiod's v2 API: the same `FakeGpioBoard`s (chips, lines, scripted edges, the virtual clock, the
// HX711), with the v2 kernel's behaviour where it differs from v1. Kept apart from FakeGpiod.swift and
// FakeGpioBoard.swift, which only route a v2-requested line's events here.
//
// What it models of the v2 uAPI (drivers/gpio/gpiolib-cdev.c): one FIFO per request for all its lines, sized by
// the request (0: 16 per line; at most 64 x 16 = 1024; rounded up to a power of two like a kfifo), the *oldest*
// event dropped when it is full, a request-wide and a per-line sequence number (32 bits, from 1) given to every
// event as it is queued, dropped or not, the event clock each line asked for, per-line direction, bias,
// active-low and output value within one request, and errno on failure.

extension FakeGpioBoard {
    /// What one line of a v2 request was set to, as the fake kernel saw it.
    public struct LineSettingsV2: Sendable, Hashable {
        /// `gpiod_line_settings_set_direction`.
        public var direction: gpiod_line_direction = GPIOD_LINE_DIRECTION_AS_IS
        /// `gpiod_line_settings_set_edge_detection`.
        public var edge: gpiod_line_edge = GPIOD_LINE_EDGE_NONE
        /// `gpiod_line_settings_set_bias`.
        public var bias: gpiod_line_bias = GPIOD_LINE_BIAS_AS_IS
        /// `gpiod_line_settings_set_active_low`.
        public var activeLow = false
        /// `gpiod_line_settings_set_event_clock`.
        public var eventClock: gpiod_line_clock = GPIOD_LINE_CLOCK_MONOTONIC
        /// `gpiod_line_settings_set_output_value`.
        public var outputValue: gpiod_line_value = GPIOD_LINE_VALUE_INACTIVE
    }

    /// A v2 request as the fake kernel holds it, for a test to look at.
    public struct RequestV2Info: Sendable, Hashable {
        /// `gpiod_request_config_set_consumer`.
        public var consumer: String
        /// The FIFO size the kernel gave the request (after its defaults, cap and rounding).
        public var eventBufferSize: Int
        /// The line's own settings.
        public var settings: LineSettingsV2
        /// Offsets of every line of the request, in request order.
        public var offsets: [UInt32]
    }

    /// A CLOCK_REALTIME reading is CLOCK_MONOTONIC plus this (an edge asked for on the realtime clock).
    public static let realtimeOffsetNs: Int64 = 1_750_000_000_000_000_000

    struct EventV2 {
        var timestampNs: Int64
        var offset: UInt32
        var rising: Bool
        var globalSeqno: UInt32
        var lineSeqno: UInt32
    }

    /// A `struct gpiod_line_request *` of the fake kernel. Used inside its board's lock only.
    final class LineRequestV2 {
        /// Strong: an open request keeps its board alive, as an open file keeps a kernel chip (a test's board may
        /// go before the wrapper that still holds the request, as an optimized build shortens lifetimes).
        let board: FakeGpioBoard
        let chip: Chip
        let lines: [Line]
        let settings: [UInt32: LineSettingsV2]
        let consumer: String
        let capacity: Int
        var fifo: [EventV2] = []
        var head = 0
        var globalSeqno: UInt32 = 0
        var lineSeqnos: [UInt32: UInt32] = [:]
        /// The request's event descriptor, once asked for (`gpiod_line_request_get_fd`).
        var descriptor: FakeDescriptor?

        init(
            board: FakeGpioBoard, chip: Chip, lines: [Line], settings: [UInt32: LineSettingsV2], consumer: String,
            capacity: Int
        ) {
            self.board = board
            self.chip = chip
            self.lines = lines
            self.settings = settings
            self.consumer = consumer
            self.capacity = capacity
        }

        var queued: Int { fifo.count - head }

        /// The kernel queues an edge: both numbers move on whether or not there is room; a full FIFO drops its
        /// oldest event (kfifo_skip, then kfifo_in).
        func push(timestampNs: Int64, line: Line, electrical: UInt8) {
            globalSeqno &+= 1
            let lineSeqno = (lineSeqnos[line.offset] ?? 0) &+ 1
            lineSeqnos[line.offset] = lineSeqno
            if queued >= capacity {
                chip.lines[fifo[head].offset]?.dropped += 1
                head += 1
            }
            let realtime = settings[line.offset]?.eventClock == GPIOD_LINE_CLOCK_REALTIME
            fifo.append(
                EventV2(
                    timestampNs: timestampNs + (realtime ? FakeGpioBoard.realtimeOffsetNs : 0),
                    offset: line.offset, rising: line.logical(electrical) == 1,
                    globalSeqno: globalSeqno, lineSeqno: lineSeqno))
            if head > 4096, head * 2 > fifo.count {
                fifo.removeFirst(head)
                head = 0
            }
        }
    }

    /// A `GpioLineSource` on this board through the v2 API (the real v2 wrapper over the fake functions).
    public var sourceV2: GpiodV2LineSource { GpiodV2LineSource(functions: FakeGpiod.functionsV2) }

    /// The same with another kernel event buffer size.
    public func sourceV2(eventBufferSize: Int) -> GpiodV2LineSource {
        GpiodV2LineSource(functions: FakeGpiod.functionsV2, eventBufferSize: eventBufferSize)
    }

    /// How `(label, offset)` is requested through v2, or nil when it is free or requested through v1.
    public func requestV2(chip label: String, offset: UInt32) -> RequestV2Info? {
        withLock {
            guard let request = chip(label).lines[offset]?.requestV2 else { return nil }
            return RequestV2Info(
                consumer: request.consumer, eventBufferSize: request.capacity,
                settings: request.settings[offset] ?? LineSettingsV2(),
                offsets: request.lines.map(\.offset))
        }
    }

    /// Moves the sequence numbers of every v2 request on this board to `next - 1`, so the next event is numbered
    /// `next` on its request and on its line (the kernel's 32-bit numbers wrap after 2^32 events).
    public func continueSequenceNumbers(at next: UInt32) {
        withLock {
            for chip in chips {
                for line in chip.lines.values {
                    guard let request = line.requestV2 else { continue }
                    request.globalSeqno = next &- 1
                    request.lineSeqnos[line.offset] = next &- 1
                }
            }
        }
    }

    /// The kernel's FIFO for a request of `lines` lines that asked for `requested` events.
    static func kernelEventBufferSize(requested: Int, lines: Int) -> Int {
        let size = requested == 0 ? 16 * lines : min(requested, 1024)
        var rounded = 1
        while rounded < size { rounded <<= 1 }
        return rounded
    }
}

extension FakeGpiod {
    /// A `struct gpiod_chip_info *`: what `gpiod_chip_get_info` snapshots (the strings stay the chip's).
    final class ChipInfoV2 {
        let chip: FakeGpioBoard.Chip
        init(_ chip: FakeGpioBoard.Chip) { self.chip = chip }
    }

    /// A `struct gpiod_line_settings *`.
    final class SettingsV2 {
        var value = FakeGpioBoard.LineSettingsV2()
    }

    /// A `struct gpiod_line_config *`: settings per offset, in the order they were added.
    final class LineConfigV2 {
        var entries: [(offset: UInt32, settings: FakeGpioBoard.LineSettingsV2)] = []
    }

    /// A `struct gpiod_request_config *`.
    final class RequestConfigV2 {
        var consumer = ""
        var eventBufferSize = 0
    }

    /// A `struct gpiod_edge_event *`, owned by its buffer.
    final class EdgeEventV2 {
        var event = FakeGpioBoard.EventV2(timestampNs: 0, offset: 0, rising: false, globalSeqno: 0, lineSeqno: 0)
    }

    /// A `struct gpiod_edge_event_buffer *`.
    final class EventBufferV2 {
        let events: [EdgeEventV2]
        var count = 0
        init(capacity: Int) { events = (0..<capacity).map { _ in EdgeEventV2() } }
    }

    static func object<Object: AnyObject>(_ pointer: OpaquePointer?, as type: Object.Type) -> Object {
        Unmanaged<Object>.fromOpaque(UnsafeRawPointer(pointer!)).takeUnretainedValue()
    }

    static func retained(_ object: AnyObject) -> OpaquePointer {
        OpaquePointer(Unmanaged.passRetained(object).toOpaque())
    }

    static func release<Object: AnyObject>(_ pointer: OpaquePointer?, as type: Object.Type) {
        guard let pointer else { return }
        Unmanaged<Object>.fromOpaque(UnsafeRawPointer(pointer)).release()
    }

    /// A setter that refuses what libgpiod 2 refuses (a value outside its enum), with EINVAL.
    static func set<Value: RawRepresentable>(
        _ value: Value, valid: ClosedRange<Value.RawValue>,
        _ apply: () -> Void
    ) -> Int32 where Value.RawValue: Comparable {
        guard valid.contains(value.rawValue) else { return fail(EINVAL, -1) }
        apply()
        return 0
    }

    static func requestLine(_ request: FakeGpioBoard.LineRequestV2, _ offset: UInt32) -> FakeGpioBoard.Line? {
        request.lines.first { $0.offset == offset }
    }

    /// libgpiod's v2 C functions, faked.
    public static let functionsV2 = GpiodV2Functions(
        chipOpen: FakeGpiod.functions.chipOpen,
        chipClose: FakeGpiod.functions.chipClose,
        chipGetInfo: { pointer in
            let chip = FakeGpiod.chip(pointer)
            return chip.board.withLock {
                if let failure = chip.board.enter("gpiod_chip_get_info") { return FakeGpiod.fail(failure, nil) }
                return FakeGpiod.retained(ChipInfoV2(chip))
            }
        },
        chipInfoFree: { FakeGpiod.release($0, as: ChipInfoV2.self) },
        chipInfoGetName: { UnsafePointer(FakeGpiod.object($0, as: ChipInfoV2.self).chip.nameC) },
        chipInfoGetLabel: { UnsafePointer(FakeGpiod.object($0, as: ChipInfoV2.self).chip.labelC) },
        chipInfoGetNumLines: { Int(FakeGpiod.object($0, as: ChipInfoV2.self).chip.spec.lineCount) },
        chipRequestLines: { chipPointer, requestConfig, lineConfig in
            let chip = FakeGpiod.chip(chipPointer)
            let board = chip.board
            guard let lineConfig else { return FakeGpiod.fail(EINVAL, nil) }
            let entries = FakeGpiod.object(lineConfig, as: LineConfigV2.self).entries
            let config = requestConfig.map { FakeGpiod.object($0, as: RequestConfigV2.self) } ?? RequestConfigV2()
            return board.withLock {
                if let failure = board.enter("gpiod_chip_request_lines") { return FakeGpiod.fail(failure, nil) }
                guard !entries.isEmpty, entries.count <= 64,
                    entries.allSatisfy({ $0.offset < chip.spec.lineCount })
                else { return FakeGpiod.fail(EINVAL, nil) }
                let lines = entries.map { chip.line($0.offset) }
                if lines.contains(where: { $0.request != nil }) { return FakeGpiod.fail(EBUSY, nil) }
                let settings = Dictionary(entries.map { ($0.offset, $0.settings) }) { _, last in last }
                let request = FakeGpioBoard.LineRequestV2(
                    board: board, chip: chip, lines: lines, settings: settings, consumer: config.consumer,
                    capacity: FakeGpioBoard.kernelEventBufferSize(
                        requested: config.eventBufferSize,
                        lines: lines.count))
                for line in lines {
                    let set = settings[line.offset]!
                    // Described in v1's terms too, so the board's inspection and levels work for both APIs.
                    var flags: Int32 = set.activeLow ? Int32(GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW) : 0
                    switch set.bias {
                    case GPIOD_LINE_BIAS_PULL_UP: flags |= Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP)
                    case GPIOD_LINE_BIAS_PULL_DOWN: flags |= Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN)
                    case GPIOD_LINE_BIAS_DISABLED: flags |= Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE)
                    default: break
                    }
                    let type =
                        set.direction == GPIOD_LINE_DIRECTION_OUTPUT
                        ? GPIOD_LINE_REQUEST_DIRECTION_OUTPUT
                        : set.edge == GPIOD_LINE_EDGE_BOTH
                            ? GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES
                            : GPIOD_LINE_REQUEST_DIRECTION_INPUT
                    line.request = FakeGpioBoard.Request(
                        consumer: config.consumer, requestType: Int32(type),
                        flags: flags)
                    line.requestV2 = request
                    line.fifo.removeAll()
                    line.fifoHead = 0
                    if set.direction == GPIOD_LINE_DIRECTION_OUTPUT {
                        board.drive(line, electrical: line.logical(set.outputValue == GPIOD_LINE_VALUE_ACTIVE ? 1 : 0))
                    }
                }
                return FakeGpiod.retained(request)
            }
        },
        isGpiochipDevice: { path in
            let wanted = String(cString: path!)
            return withExtendedLifetime(FakeGpiod.liveBoards()) { boards in
                FakeGpiod.chips(of: boards).contains { $0.spec.path == wanted }
            }
        },
        lineSettingsNew: { FakeGpiod.retained(SettingsV2()) },
        lineSettingsFree: { FakeGpiod.release($0, as: SettingsV2.self) },
        lineSettingsSetDirection: { pointer, value in
            let settings = FakeGpiod.object(pointer, as: SettingsV2.self)
            return FakeGpiod.set(
                value, valid: GPIOD_LINE_DIRECTION_AS_IS.rawValue...GPIOD_LINE_DIRECTION_OUTPUT.rawValue
            ) { settings.value.direction = value }
        },
        lineSettingsSetEdgeDetection: { pointer, value in
            let settings = FakeGpiod.object(pointer, as: SettingsV2.self)
            return FakeGpiod.set(value, valid: GPIOD_LINE_EDGE_NONE.rawValue...GPIOD_LINE_EDGE_BOTH.rawValue) {
                settings.value.edge = value
            }
        },
        lineSettingsSetBias: { pointer, value in
            let settings = FakeGpiod.object(pointer, as: SettingsV2.self)
            // UNKNOWN is what a line info may report, not a setting.
            guard value != GPIOD_LINE_BIAS_UNKNOWN else { return FakeGpiod.fail(EINVAL, -1) }
            return FakeGpiod.set(value, valid: GPIOD_LINE_BIAS_AS_IS.rawValue...GPIOD_LINE_BIAS_PULL_DOWN.rawValue) {
                settings.value.bias = value
            }
        },
        lineSettingsSetActiveLow: { pointer, value in
            FakeGpiod.object(pointer, as: SettingsV2.self).value.activeLow = value
        },
        lineSettingsSetEventClock: { pointer, value in
            let settings = FakeGpiod.object(pointer, as: SettingsV2.self)
            return FakeGpiod.set(value, valid: GPIOD_LINE_CLOCK_MONOTONIC.rawValue...GPIOD_LINE_CLOCK_HTE.rawValue) {
                settings.value.eventClock = value
            }
        },
        lineSettingsSetOutputValue: { pointer, value in
            let settings = FakeGpiod.object(pointer, as: SettingsV2.self)
            return FakeGpiod.set(value, valid: GPIOD_LINE_VALUE_INACTIVE.rawValue...GPIOD_LINE_VALUE_ACTIVE.rawValue) {
                settings.value.outputValue = value
            }
        },
        lineConfigNew: { FakeGpiod.retained(LineConfigV2()) },
        lineConfigFree: { FakeGpiod.release($0, as: LineConfigV2.self) },
        lineConfigAddLineSettings: { pointer, offsets, count, settings in
            guard let offsets, count > 0, let settings else { return FakeGpiod.fail(EINVAL, -1) }
            let config = FakeGpiod.object(pointer, as: LineConfigV2.self)
            let value = FakeGpiod.object(settings, as: SettingsV2.self).value
            for offset in UnsafeBufferPointer(start: offsets, count: count) {
                config.entries.removeAll { $0.offset == offset }
                config.entries.append((UInt32(offset), value))
            }
            return 0
        },
        requestConfigNew: { FakeGpiod.retained(RequestConfigV2()) },
        requestConfigFree: { FakeGpiod.release($0, as: RequestConfigV2.self) },
        requestConfigSetConsumer: { pointer, consumer in
            FakeGpiod.object(pointer, as: RequestConfigV2.self).consumer = consumer.map { String(cString: $0) } ?? ""
        },
        requestConfigSetEventBufferSize: { pointer, size in
            FakeGpiod.object(pointer, as: RequestConfigV2.self).eventBufferSize = size
        },
        lineRequestRelease: { pointer in
            let request = FakeGpiod.object(pointer, as: FakeGpioBoard.LineRequestV2.self)
            request.board.withLock {
                request.board.calls["gpiod_line_request_release", default: 0] += 1
                for line in request.lines where line.requestV2 === request {
                    line.request = nil
                    line.requestV2 = nil
                }
                request.fifo.removeAll()
                request.head = 0
                request.board.closeDescriptor(request.descriptor)
                request.descriptor = nil
            }
            FakeGpiod.release(pointer, as: FakeGpioBoard.LineRequestV2.self)
        },
        lineRequestGetValue: { pointer, offset in
            let request = FakeGpiod.object(pointer, as: FakeGpioBoard.LineRequestV2.self)
            let board = request.board
            return board.withLock {
                if let failure = board.enter("gpiod_line_request_get_value") {
                    return FakeGpiod.fail(failure, GPIOD_LINE_VALUE_ERROR)
                }
                guard let line = FakeGpiod.requestLine(request, offset) else {
                    return FakeGpiod.fail(EINVAL, GPIOD_LINE_VALUE_ERROR)
                }
                return line.logical(board.electrical(of: line)) == 1
                    ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE
            }
        },
        lineRequestGetValuesSubset: { pointer, count, offsets, values in
            let request = FakeGpiod.object(pointer, as: FakeGpioBoard.LineRequestV2.self)
            let board = request.board
            return board.withLock {
                if let failure = board.enter("gpiod_line_request_get_values_subset") {
                    return FakeGpiod.fail(failure, -1)
                }
                guard let offsets, let values else { return FakeGpiod.fail(EINVAL, -1) }
                for slot in 0..<count {
                    guard let line = FakeGpiod.requestLine(request, offsets[slot]) else {
                        return FakeGpiod.fail(EINVAL, -1)
                    }
                    values[slot] =
                        line.logical(board.electrical(of: line)) == 1
                        ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE
                }
                return 0
            }
        },
        lineRequestSetValue: { pointer, offset, value in
            let request = FakeGpiod.object(pointer, as: FakeGpioBoard.LineRequestV2.self)
            let board = request.board
            return board.withLock {
                if let failure = board.enter("gpiod_line_request_set_value") { return FakeGpiod.fail(failure, -1) }
                guard let line = FakeGpiod.requestLine(request, offset),
                    request.settings[offset]?.direction == GPIOD_LINE_DIRECTION_OUTPUT
                else {
                    return FakeGpiod.fail(EPERM, -1)
                }
                board.drive(line, electrical: line.logical(value == GPIOD_LINE_VALUE_ACTIVE ? 1 : 0))
                return 0
            }
        },
        lineRequestWaitEdgeEvents: { pointer, timeoutNs in
            let request = FakeGpiod.object(pointer, as: FakeGpioBoard.LineRequestV2.self)
            let board = request.board
            return board.withLock {
                if let failure = board.enter("gpiod_line_request_wait_edge_events") {
                    return FakeGpiod.fail(failure, -1)
                }
                let deadlineNs = timeoutNs < 0 ? Int64.max : board.nowNs + timeoutNs
                // ppoll on the request's file, as in the v1 fake's wait.
                while request.queued == 0 {
                    if board.nowNs >= deadlineNs { return 0 }
                    guard let nextNs = board.nextChangeNs(), nextNs <= deadlineNs else {
                        if deadlineNs == .max { return FakeGpiod.fail(EINVAL, -1) }  // would sleep forever
                        board.pass(untilNs: deadlineNs)
                        continue
                    }
                    board.pass(untilNs: nextNs)
                }
                return 1
            }
        },
        lineRequestReadEdgeEvents: { pointer, bufferPointer, maxEvents in
            let request = FakeGpiod.object(pointer, as: FakeGpioBoard.LineRequestV2.self)
            let buffer = FakeGpiod.object(bufferPointer, as: EventBufferV2.self)
            let board = request.board
            return board.withLock {
                if let failure = board.enter("gpiod_line_request_read_edge_events") {
                    return FakeGpiod.fail(failure, -1)
                }
                if request.queued == 0 {
                    // The real read blocks until an event comes; the fake counts it and lets time run to one.
                    board.blockingReads += 1
                    while request.queued == 0 {
                        guard let nextNs = board.nextChangeNs() else { return FakeGpiod.fail(EAGAIN, -1) }
                        board.nowNs = max(board.nowNs, nextNs)
                        board.deliver()
                    }
                }
                let taken = min(maxEvents, buffer.events.count, request.queued)
                for slot in 0..<taken { buffer.events[slot].event = request.fifo[request.head + slot] }
                buffer.count = taken
                request.head += taken
                if request.head == request.fifo.count {
                    request.fifo.removeAll(keepingCapacity: true)
                    request.head = 0
                }
                board.syncDescriptors()
                return Int32(taken)
            }
        },
        lineRequestGetFd: { pointer in
            let request = FakeGpiod.object(pointer, as: FakeGpioBoard.LineRequestV2.self)
            let board = request.board
            return board.withLock {
                if let failure = board.enter("gpiod_line_request_get_fd") { return FakeGpiod.fail(failure, -1) }
                if request.descriptor == nil { request.descriptor = board.newDescriptor() }
                board.syncDescriptors()
                return request.descriptor!.fd
            }
        },
        poll: FakeGpiod.poll,
        edgeEventBufferNew: { capacity in
            FakeGpiod.retained(EventBufferV2(capacity: capacity == 0 ? 64 : min(capacity, 1024)))
        },
        edgeEventBufferFree: { FakeGpiod.release($0, as: EventBufferV2.self) },
        edgeEventBufferGetEvent: { pointer, index in
            let buffer = FakeGpiod.object(pointer, as: EventBufferV2.self)
            guard Int(index) < buffer.count else { return FakeGpiod.fail(EINVAL, nil) }
            return OpaquePointer(Unmanaged.passUnretained(buffer.events[Int(index)]).toOpaque())
        },
        edgeEventGetEventType: { pointer in
            FakeGpiod.object(pointer, as: EdgeEventV2.self).event.rising
                ? GPIOD_EDGE_EVENT_RISING_EDGE : GPIOD_EDGE_EVENT_FALLING_EDGE
        },
        edgeEventGetTimestampNs: { UInt64(FakeGpiod.object($0, as: EdgeEventV2.self).event.timestampNs) },
        edgeEventGetLineOffset: { FakeGpiod.object($0, as: EdgeEventV2.self).event.offset },
        edgeEventGetGlobalSeqno: { UInt(FakeGpiod.object($0, as: EdgeEventV2.self).event.globalSeqno) },
        edgeEventGetLineSeqno: { UInt(FakeGpiod.object($0, as: EdgeEventV2.self).event.lineSeqno) },
        chipPaths: {
            withExtendedLifetime(FakeGpiod.liveBoards()) { boards in
                FakeGpiod.chips(of: boards.filter(\.listed)).map(\.spec.path)
            }
        },
        monotonicNs: FakeGpiod.functions.monotonicNs)
}
