import CGpiod
import HoistWatchConfig

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// GPIO lines through libgpiod's v1 API (Debian bookworm, libgpiod 1.6): the production `GpioLineSource`.
public struct GpiodV1LineSource: GpioLineSource {
    /// The kernel's per-line event FIFO holds 16 events (v1 interface); when full it drops the newest ones.
    public static let kernelFifoCapacity = 16
    /// With lines on several chips each chip is waited on in turn for at most this long (libgpiod v1 waits on
    /// one chip at a time), so an edge on another chip waits at most this long to be read.
    public static let multiChipSliceNs: Int64 = 2_000_000

    let functions: GpiodFunctions

    /// The real libgpiod 1.x (libgpiod.so.2).
    ///
    /// - Throws: `GpioError` `.libraryMissing` when it is not installed.
    public init() throws(GpioError) { functions = try .system() }

    /// Another implementation of the C functions: the test seam (a fake from HoistWatchBoardTestKit).
    public init(functions: GpiodFunctions) { self.functions = functions }

    /// Opens each chip (`gpiod_chip_open_by_label` / `gpiod_chip_open`), gets the lines (`gpiod_chip_get_line`)
    /// and requests them for both edges, one `gpiod_line_request_bulk` per (chip, active-low, bias) group.
    public func request(_ lines: [GpioLineSpec], consumer: String) throws(GpioError) -> any GpioLineRequest {
        try GpiodV1LineRequest(lines: lines, consumer: consumer, functions: functions)
    }

    /// Opens the chip (`gpiod_chip_open_by_label` / `gpiod_chip_open`) and compares `gpiod_chip_num_lines`;
    /// when it is missing, the message lists the chips there are (`gpiod_chip_iter_*`).
    public func chipProblem(_ chip: BoardProfile.Chip, offsets: [UInt32]) -> String? {
        do {
            return try GpiodChip(chip, functions: functions).info.problem(offsets: offsets)
        } catch {
            return error.chipProblem
        }
    }
}

/// Lines requested through libgpiod v1: one bulk request per (chip, flags) group, one wait set per chip.
final class GpiodV1LineRequest: GpioLineRequest {
    /// The lines of one chip, waited on together (`gpiod_line_event_wait_bulk` wants one chip per bulk).
    private final class ChipWaitSet {
        let chip: GpiodChip
        let handles: [OpaquePointer]
        let indices: [Int]
        let waitBulk: UnsafeMutablePointer<gpiod_line_bulk>
        let readyBulk: UnsafeMutablePointer<gpiod_line_bulk>

        init(chip: GpiodChip, groups: [GpiodLineGroup]) {
            self.chip = chip
            handles = groups.flatMap(\.handles)
            indices = groups.flatMap(\.indices)
            waitBulk = .allocate(capacity: 1)
            readyBulk = .allocate(capacity: 1)
            gpiod_line_bulk_init(waitBulk)
            gpiod_line_bulk_init(readyBulk)
            for handle in handles { gpiod_line_bulk_add(waitBulk, handle) }
        }

        deinit {
            waitBulk.deallocate()
            readyBulk.deallocate()
        }

        /// The request position of a line handle the kernel reported ready (a chip has at most 64 here).
        func index(of handle: OpaquePointer) -> Int? {
            for position in handles.indices where handles[position] == handle { return indices[position] }
            return nil
        }
    }

    let lines: [GpioLineSpec]
    private let functions: GpiodFunctions
    // Each group and wait set holds its chip: the chips close after the lines are released (deinit).
    private var groups: [GpiodLineGroup]
    private var waitSets: [ChipWaitSet]
    private let events: UnsafeMutablePointer<gpiod_line_event>
    /// Each line's event descriptor (`gpiod_line_event_get_fd`), readable while its kernel FIFO holds events.
    private let descriptors: [Int32]

    init(lines: [GpioLineSpec], consumer: String, functions: GpiodFunctions) throws(GpioError) {
        self.lines = lines
        self.functions = functions
        var chips: [GpiodChip] = []
        var groups: [GpiodLineGroup] = []
        var byChip: [[GpiodLineGroup]] = []
        for chipName in Self.orderedChips(lines) {
            let chip = try GpiodChip(chipName, functions: functions)
            chips.append(chip)
            var chipGroups: [GpiodLineGroup] = []
            var members: [[(index: Int, spec: GpioLineSpec)]] = []
            var keys: [(Bool, BoardProfile.Bias)] = []
            for (index, spec) in lines.enumerated() where spec.line.chip == chipName {
                let key = (spec.line.activeLow, spec.line.bias)
                if let position = keys.firstIndex(where: { $0 == key }) {
                    members[position].append((index, spec))
                } else {
                    keys.append(key)
                    members.append([(index, spec)])
                }
            }
            for group in members {
                let made = try GpiodLineGroup(chip: chip, members: group, consumer: consumer)
                chipGroups.append(made)
                groups.append(made)
            }
            byChip.append(chipGroups)
        }
        var descriptors: [Int32] = []
        for group in groups {
            for (handle, index) in zip(group.handles, group.indices) {
                let descriptor = functions.lineEventGetFd(handle)
                guard descriptor >= 0 else {
                    throw GpioError.fromErrno("gpiod_line_event_get_fd", subject: lines[index].subject)
                }
                descriptors.append(descriptor)
            }
        }
        self.groups = groups
        self.descriptors = descriptors
        waitSets = zip(chips, byChip).map { ChipWaitSet(chip: $0, groups: $1) }
        events = .allocate(capacity: GpiodV1LineSource.kernelFifoCapacity)
    }

    deinit {
        waitSets.removeAll()
        groups.removeAll()
        events.deallocate()
    }

    private static func orderedChips(_ lines: [GpioLineSpec]) -> [BoardProfile.Chip] {
        var result: [BoardProfile.Chip] = []
        for spec in lines where !result.contains(spec.line.chip) { result.append(spec.line.chip) }
        return result
    }

    func monotonicNs() -> Int64 { functions.monotonicNs(waitSets[0].chip.handle) }

    func readEdges(timeoutNs: Int64, into edges: inout [GpioEdge]) throws(GpioError) -> GpioReadResult {
        var completeUntilNs = Int64.max
        var suspectedOverflows = 0
        let capacity = GpiodV1LineSource.kernelFifoCapacity
        for (position, set) in waitSets.enumerated() {
            // One chip: wait the whole timeout. Several: the first waits a slice, the others are only polled.
            let waitNs =
                position > 0
                ? 0
                : waitSets.count == 1 ? timeoutNs : min(timeoutNs, GpiodV1LineSource.multiChipSliceNs)
            var timeout = timespec(tv_sec: Int(waitNs / 1_000_000_000), tv_nsec: Int(waitNs % 1_000_000_000))
            let beforeNs = functions.monotonicNs(set.chip.handle)
            let rc = functions.lineEventWaitBulk(set.waitBulk, &timeout, set.readyBulk)
            let saved = errno
            guard
                try GpiodEdgeWait.linesReady(
                    rc: rc, errnoValue: saved, function: "gpiod_line_event_wait_bulk",
                    subject: "chip \"\(set.chip.chip.text)\"", beforeNs: beforeNs, waitNs: waitNs,
                    completeUntilNs: &completeUntilNs)
            else { continue }
            // Ready lines are read until their FIFO was empty, unless the read filled the whole buffer (more may
            // be queued).
            for slot in 0..<Int(gpiod_line_bulk_num_lines(set.readyBulk)) {
                guard let handle = gpiod_line_bulk_get_line(set.readyBulk, UInt32(slot)),
                    let index = set.index(of: handle)
                else { continue }
                let count = functions.lineEventReadMultiple(handle, events, UInt32(capacity))
                guard count >= 0 else {
                    throw GpioError.fromErrno("gpiod_line_event_read_multiple", subject: lines[index].subject)
                }
                for event in UnsafeBufferPointer(start: events, count: Int(count)) {
                    let timestampNs = Int64(event.ts.tv_sec) * 1_000_000_000 + Int64(event.ts.tv_nsec)
                    let level: UInt8 = event.event_type == Int32(GPIOD_LINE_EVENT_RISING_EDGE) ? 1 : 0
                    edges.append(GpioEdge(lineIndex: index, timestampNs: timestampNs, level: level))
                }
                if Int(count) == capacity {
                    suspectedOverflows += 1
                    let lastNs =
                        Int64(events[capacity - 1].ts.tv_sec) * 1_000_000_000
                        + Int64(events[capacity - 1].ts.tv_nsec)
                    completeUntilNs = min(completeUntilNs, lastNs)
                }
            }
        }
        return GpioReadResult(completeUntilNs: completeUntilNs, suspectedOverflows: suspectedOverflows)
    }

    func waitForEdges(timeoutNs: Int64, orReadable wakeDescriptor: Int32) throws(GpioError) -> GpioWaitResult {
        try GpiodDescriptorWait.wait(
            poll: functions.poll, descriptors: descriptors, wakeDescriptor: wakeDescriptor, timeoutNs: timeoutNs,
            subject: lines.map(\.subject).joined(separator: ", "))
    }

    func readLevels(into levels: inout [UInt8]) throws(GpioError) {
        if levels.count != lines.count { levels = [UInt8](repeating: 0, count: lines.count) }
        for group in groups { try group.readLevels(into: &levels) }
    }
}
