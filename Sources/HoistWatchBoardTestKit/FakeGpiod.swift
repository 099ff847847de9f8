import CGpiod
import CWake
import HoistWatchBoard
import HoistWatchSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The fake libgpiod: `functions` has the signatures of the real C functions and serves the `FakeGpioBoard`s of
/// this process. A chip or line pointer is the fake object itself, so every call after `gpiod_chip_open*` finds
/// its board without any global; opening by label or path looks through the registry, as libgpiod looks
/// through /dev.
public enum FakeGpiod {
    /// The boards of this process, by identity, and the counter behind `uniqueLabel`.
    private struct Registry {
        var boards: [ObjectIdentifier: Weak] = [:]
        var serial = 0
        /// The board of each event descriptor handed out (`gpiod_line_event_get_fd`, `gpiod_line_request_get_fd`).
        var descriptors: [Int32: Weak] = [:]
    }

    private struct Weak {
        weak var board: FakeGpioBoard?
    }

    /// An open chip iterator: the chips it will return, and the one returned last (closed by the next call). It
    /// keeps their boards alive (a chip only refers to its board, unowned) until it is freed.
    private final class Iterator {
        let boards: [FakeGpioBoard]
        var chips: [FakeGpioBoard.Chip]
        var position = 0
        var current: FakeGpioBoard.Chip?
        init(_ boards: [FakeGpioBoard]) {
            self.boards = boards
            chips = FakeGpiod.chips(of: boards)
        }
    }

    private static let registry = Locked(Registry())

    static func register(_ board: FakeGpioBoard) {
        withExtendedLifetime(liveBoards()) { others in
            for chip in board.chips {
                let clash = others.contains { other in
                    other.chips.contains { $0.spec.label == chip.spec.label || $0.spec.name == chip.spec.name }
                }
                precondition(
                    !clash,
                    "another fake board has a chip labelled \(chip.spec.label) or named "
                        + chip.spec.name)
            }
            registry.withLock { $0.boards[ObjectIdentifier(board)] = Weak(board: board) }
        }
    }

    static func unregister(_ board: FakeGpioBoard) {
        _ = registry.withLock { $0.boards.removeValue(forKey: ObjectIdentifier(board)) }
    }

    static func registerDescriptor(_ fd: Int32, of board: FakeGpioBoard) {
        registry.withLock { $0.descriptors[fd] = Weak(board: board) }
    }

    static func unregisterDescriptor(_ fd: Int32) {
        _ = registry.withLock { $0.descriptors.removeValue(forKey: fd) }
    }

    /// The fake `ppoll` (both APIs' `poll`): on the board whose event descriptors are among `fds`, else the real
    /// one.
    static let poll: hw_poll_ns_fn = { fds, count, timeoutNs in
        guard let fds else { return hw_poll_ns(nil, count, timeoutNs) }
        let entries = UnsafeMutableBufferPointer(start: fds, count: Int(count))
        let board = registry.withLock { registry -> FakeGpioBoard? in
            for entry in entries { if let board = registry.descriptors[entry.fd]?.board { return board } }
            return nil
        }
        guard let board else { return hw_poll_ns(fds, count, timeoutNs) }
        return board.poll(entries, timeoutNs: timeoutNs)
    }

    static func uniqueLabel(_ base: String) -> String {
        registry.withLock { registry in
            registry.serial += 1
            return "\(base)-fake\(registry.serial)"
        }
    }

    /// The registered boards that are still alive, held strongly by the caller. The strong references are taken
    /// inside the lock but must be dropped outside it: if one of them is the last (its test just let go of the
    /// board), dropping it runs the board's deinit, which unregisters it and so takes the lock; inside the lock
    /// that is a relock of the non-recursive `Mutex` by its owner: a trap ("Recursive call to lock Mutex") that
    /// ends the whole test run (with the pthread mutex before it, a deadlock that hung every other GPIO test).
    static func liveBoards() -> [FakeGpioBoard] {
        registry.withLock { $0.boards.values.compactMap(\.board) }
    }

    static func chips(of boards: [FakeGpioBoard]) -> [FakeGpioBoard.Chip] {
        boards.flatMap(\.chips).sorted { $0.spec.name < $1.spec.name }
    }

    /// The iterator no longer holds `chip` open (the iterator itself keeps the chip's board alive).
    static func iteratorLetGo(_ chip: FakeGpioBoard.Chip) {
        chip.board.withLock {
            chip.openCount -= 1
            if chip.openCount == 0 { chip.openBoard = nil }
        }
    }

    static func chip(_ pointer: OpaquePointer?) -> FakeGpioBoard.Chip {
        Unmanaged<FakeGpioBoard.Chip>.fromOpaque(UnsafeRawPointer(pointer!)).takeUnretainedValue()
    }

    static func line(_ pointer: OpaquePointer?) -> FakeGpioBoard.Line {
        Unmanaged<FakeGpioBoard.Line>.fromOpaque(UnsafeRawPointer(pointer!)).takeUnretainedValue()
    }

    static func pointer(_ object: AnyObject) -> OpaquePointer {
        OpaquePointer(Unmanaged.passUnretained(object).toOpaque())
    }

    private static func lines(_ bulk: UnsafeMutablePointer<gpiod_line_bulk>?) -> [FakeGpioBoard.Line] {
        guard let bulk else { return [] }
        return (0..<gpiod_line_bulk_num_lines(bulk)).map { line(gpiod_line_bulk_get_line(bulk, $0)) }
    }

    /// Fails the call: sets errno, as libgpiod does.
    static func fail<T>(_ value: Int32, _ result: T) -> T {
        errno = value
        return result
    }

    static func open(_ chip: FakeGpioBoard.Chip?, _ function: String) -> OpaquePointer? {
        guard let chip else { return fail(ENOENT, nil) }
        return chip.board.withLock {
            if let failure = chip.board.enter(function) { return fail(failure, nil) }
            chip.openCount += 1
            chip.openBoard = chip.board
            return pointer(chip)
        }
    }

    /// A bulk's lines and board; nil (errno EINVAL) when they are not all of one chip, like libgpiod v1.
    private static func sameChip(
        _ bulk: UnsafeMutablePointer<gpiod_line_bulk>?
    )
        -> (lines: [FakeGpioBoard.Line], board: FakeGpioBoard)?
    {
        let found = lines(bulk)
        guard let first = found.first, found.allSatisfy({ $0.chip === first.chip }) else { return nil }
        return (found, first.chip.board)
    }

    /// libgpiod's v1 C functions, faked.
    public static let functions = GpiodFunctions(
        chipOpenByLabel: { label in
            let wanted = String(cString: label!)
            return withExtendedLifetime(FakeGpiod.liveBoards()) { boards in
                FakeGpiod.open(
                    FakeGpiod.chips(of: boards).first { $0.spec.label == wanted }, "gpiod_chip_open_by_label")
            }
        },
        chipOpen: { path in
            let wanted = String(cString: path!)
            return withExtendedLifetime(FakeGpiod.liveBoards()) { boards in
                FakeGpiod.open(FakeGpiod.chips(of: boards).first { $0.spec.path == wanted }, "gpiod_chip_open")
            }
        },
        chipClose: { pointer in
            let chip = FakeGpiod.chip(pointer)
            let lastClose = chip.board.withLock {
                chip.board.calls["gpiod_chip_close", default: 0] += 1
                // libgpiod releases the chip's requested lines when it closes.
                if chip.openCount == 1 {
                    for line in chip.lines.values {
                        line.request = nil
                        chip.board.closeDescriptor(line.descriptor)
                        line.descriptor = nil
                    }
                }
                chip.openCount -= 1
                return chip.openCount == 0
            }
            // Outside the board's lock: letting go of the board may end it (its deinit takes the registry's lock).
            if lastClose { chip.openBoard = nil }
        },
        chipName: { pointer in UnsafePointer(FakeGpiod.chip(pointer).nameC) },
        chipLabel: { pointer in UnsafePointer(FakeGpiod.chip(pointer).labelC) },
        chipNumLines: { pointer in FakeGpiod.chip(pointer).spec.lineCount },
        chipGetLine: { pointer, offset in
            let chip = FakeGpiod.chip(pointer)
            return chip.board.withLock {
                if let failure = chip.board.enter("gpiod_chip_get_line") { return FakeGpiod.fail(failure, nil) }
                guard offset < chip.spec.lineCount else { return FakeGpiod.fail(EINVAL, nil) }
                return FakeGpiod.pointer(chip.line(offset))
            }
        },
        lineRequestBulk: { bulk, config, defaults in
            guard let (lines, board) = FakeGpiod.sameChip(bulk), let config = config?.pointee else {
                return FakeGpiod.fail(EINVAL, -1)
            }
            return board.withLock {
                if let failure = board.enter("gpiod_line_request_bulk") { return FakeGpiod.fail(failure, -1) }
                let biasFlags =
                    Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE)
                    | Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP) | Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN)
                let types = [
                    GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES, GPIOD_LINE_REQUEST_DIRECTION_INPUT,
                    GPIOD_LINE_REQUEST_DIRECTION_OUTPUT,
                ].map { Int32($0) }
                guard (config.flags & biasFlags).nonzeroBitCount <= 1, types.contains(config.request_type)
                else { return FakeGpiod.fail(EINVAL, -1) }
                if lines.contains(where: { $0.request != nil }) { return FakeGpiod.fail(EBUSY, -1) }
                let consumer = config.consumer.map { String(cString: $0) } ?? ""
                for (slot, line) in lines.enumerated() {
                    line.request = FakeGpioBoard.Request(
                        consumer: consumer, requestType: config.request_type, flags: config.flags)
                    line.fifo.removeAll()
                    line.fifoHead = 0
                    if config.request_type == Int32(GPIOD_LINE_REQUEST_DIRECTION_OUTPUT) {
                        // libgpiod: an output starts at its default value (0 without any).
                        let logical: UInt8 = (defaults?[slot] ?? 0) != 0 ? 1 : 0
                        board.drive(line, electrical: line.logical(logical))
                    }
                }
                return 0
            }
        },
        lineReleaseBulk: { bulk in
            guard let (lines, board) = FakeGpiod.sameChip(bulk) else { return }
            board.withLock {
                board.calls["gpiod_line_release_bulk", default: 0] += 1
                for line in lines {
                    line.request = nil
                    line.fifo.removeAll()
                    line.fifoHead = 0
                    board.closeDescriptor(line.descriptor)
                    line.descriptor = nil
                }
            }
        },
        lineEventWaitBulk: { bulk, timeout, ready in
            guard let (lines, board) = FakeGpiod.sameChip(bulk), lines.allSatisfy({ $0.request != nil }) else {
                return FakeGpiod.fail(EINVAL, -1)
            }
            let waitNs = timeout.map { Int64($0.pointee.tv_sec) * 1_000_000_000 + Int64($0.pointee.tv_nsec) } ?? .max
            return board.waitForEvents(on: lines, waitNs: waitNs) {
                guard let ready else { return }
                gpiod_line_bulk_init(ready)
                for line in lines where line.queued > 0 { gpiod_line_bulk_add(ready, FakeGpiod.pointer(line)) }
            }
        },
        lineEventReadMultiple: { pointer, events, count in
            let line = FakeGpiod.line(pointer)
            let board = line.chip.board
            return board.withLock {
                if let failure = board.enter("gpiod_line_event_read_multiple") { return FakeGpiod.fail(failure, -1) }
                guard line.request != nil else { return FakeGpiod.fail(EPERM, -1) }
                if line.queued == 0 {
                    // The real read blocks until an event comes; the fake counts it and lets time run to one.
                    board.blockingReads += 1
                    while line.queued == 0 {
                        guard let nextNs = board.nextChangeNs() else { return FakeGpiod.fail(EAGAIN, -1) }
                        board.nowNs = max(board.nowNs, nextNs)
                        board.deliver()
                    }
                }
                let taken = min(Int(count), FakeGpioBoard.fifoCapacity, line.queued)
                for slot in 0..<taken {
                    let entry = line.fifo[line.fifoHead + slot]
                    let logical = line.logical(entry.electrical)
                    events![slot] = gpiod_line_event(
                        ts: timespec(
                            tv_sec: Int(entry.timestampNs / 1_000_000_000),
                            tv_nsec: Int(entry.timestampNs % 1_000_000_000)),
                        event_type: Int32(logical == 1 ? GPIOD_LINE_EVENT_RISING_EDGE : GPIOD_LINE_EVENT_FALLING_EDGE))
                }
                line.fifoHead += taken
                if line.fifoHead == line.fifo.count {
                    line.fifo.removeAll(keepingCapacity: true)
                    line.fifoHead = 0
                }
                board.syncDescriptors()
                return Int32(taken)
            }
        },
        lineGetValueBulk: { bulk, values in
            guard let (lines, board) = FakeGpiod.sameChip(bulk), lines.allSatisfy({ $0.request != nil }) else {
                return FakeGpiod.fail(EINVAL, -1)
            }
            return board.withLock {
                if let failure = board.enter("gpiod_line_get_value_bulk") { return FakeGpiod.fail(failure, -1) }
                for (slot, line) in lines.enumerated() { values![slot] = Int32(line.logical(line.electrical)) }
                return 0
            }
        },
        lineEventGetFd: { pointer in
            let line = FakeGpiod.line(pointer)
            let board = line.chip.board
            return board.withLock {
                if let failure = board.enter("gpiod_line_event_get_fd") { return FakeGpiod.fail(failure, -1) }
                guard line.request?.requestType == Int32(GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES) else {
                    return FakeGpiod.fail(EPERM, -1)
                }
                if line.descriptor == nil { line.descriptor = board.newDescriptor() }
                board.syncDescriptors()
                return line.descriptor!.fd
            }
        },
        poll: FakeGpiod.poll,
        lineGetValue: { pointer in
            let line = FakeGpiod.line(pointer)
            let board = line.chip.board
            return board.withLock {
                if let failure = board.enter("gpiod_line_get_value") { return FakeGpiod.fail(failure, -1) }
                guard line.request != nil else { return FakeGpiod.fail(EPERM, -1) }
                return Int32(line.logical(board.electrical(of: line)))
            }
        },
        lineSetValue: { pointer, value in
            let line = FakeGpiod.line(pointer)
            let board = line.chip.board
            return board.withLock {
                if let failure = board.enter("gpiod_line_set_value") { return FakeGpiod.fail(failure, -1) }
                guard line.request?.requestType == Int32(GPIOD_LINE_REQUEST_DIRECTION_OUTPUT) else {
                    return FakeGpiod.fail(EPERM, -1)
                }
                board.drive(line, electrical: line.logical(value != 0 ? 1 : 0))
                return 0
            }
        },
        chipIterNew: {
            OpaquePointer(Unmanaged.passRetained(Iterator(FakeGpiod.liveBoards().filter(\.listed))).toOpaque())
        },
        chipIterNext: { pointer in
            let iterator = Unmanaged<Iterator>.fromOpaque(UnsafeRawPointer(pointer!)).takeUnretainedValue()
            if let previous = iterator.current { FakeGpiod.iteratorLetGo(previous) }
            iterator.current = nil
            guard iterator.position < iterator.chips.count else { return nil }
            let chip = iterator.chips[iterator.position]
            iterator.position += 1
            chip.board.withLock { chip.openCount += 1 }
            iterator.current = chip
            return FakeGpiod.pointer(chip)
        },
        chipIterFree: { pointer in
            let iterator = Unmanaged<Iterator>.fromOpaque(UnsafeRawPointer(pointer!)).takeRetainedValue()
            if let previous = iterator.current { FakeGpiod.iteratorLetGo(previous) }
        },
        monotonicNs: { pointer in
            let board = FakeGpiod.chip(pointer).board
            return board.withLock {
                board.nowNs += board.clockReadCostNs
                board.catchUp()
                board.deliver()
                return board.nowNs
            }
        })
}
