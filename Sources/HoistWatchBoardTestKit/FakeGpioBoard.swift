import CGpiod
import CWake
import HoistWatchBoard
import HoistWatchSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A fake GPIO board behind libgpiod's v1 C functions (`FakeGpiod.functions`): chips found by label or path,
/// lines with an electrical level, a 16-event kernel FIFO per requested line that drops the newest events when
/// full, and a virtual CLOCK_MONOTONIC that only moves when the backend calls in (each call costs `callCostNs`)
/// or waits (time jumps to the next scripted edge). Edges are scripted in advance; a test drives the backend
/// (`pump`) until `isExhausted`, then compares what came out with what was scripted.
///
/// What it models of the kernel: level-based edge type (active-low applied), drop-newest FIFO, per-line
/// ordering, the delay between an edge's timestamp and its arrival in the FIFO (the interrupt thread), and
/// errno on failure. What it cannot: real interrupt timing, contention, bias actually pulling a pin (docs/gpio.md).
public final class FakeGpioBoard: @unchecked Sendable {
    // @unchecked Sendable: every mutable field is used inside `withLock` only (the fake C functions and the
    // inspection methods below take it), so the backend's thread and the test's can both call in.

    /// One scripted change of a pin.
    public struct Edge: Sendable, Hashable {
        /// The chip's label.
        public var chip: String
        /// The line's offset on the chip.
        public var offset: UInt32
        /// Virtual CLOCK_MONOTONIC time of the change (the event's timestamp).
        public var atNs: Int64
        /// Electrical level after the change (before active-low).
        public var level: UInt8
        /// False: the pin changes but the kernel reports nothing (a pulse too short for the interrupt).
        public var reported: Bool
        /// How long after `atNs` the event reaches the FIFO (the kernel's interrupt thread).
        public var latencyNs: Int64

        /// A change of line `offset` of the chip labelled `chip` to `level` at `atNs`.
        public init(
            chip: String, offset: UInt32, atNs: Int64, level: UInt8, reported: Bool = true,
            latencyNs: Int64 = 0
        ) {
            self.chip = chip
            self.offset = offset
            self.atNs = atNs
            self.level = level
            self.reported = reported
            self.latencyNs = latencyNs
        }
    }

    /// A chip of the fake board.
    public struct ChipSpec: Sendable, Hashable {
        /// The kernel's name (`gpiochip0`); its path is `/dev/<name>`.
        public var name: String
        /// The kernel's label (`pinctrl-bcm2711`).
        public var label: String
        /// How many lines it has.
        public var lineCount: UInt32

        /// A chip named `name`, labelled `label`, with `lineCount` lines.
        public init(name: String, label: String, lineCount: UInt32) {
            self.name = name
            self.label = label
            self.lineCount = lineCount
        }

        /// `/dev/<name>`.
        public var path: String { "/dev/\(name)" }
    }

    /// What a line was requested with, as the fake kernel saw it.
    public struct Request: Sendable, Hashable {
        /// `gpiod_line_request_config.consumer`.
        public var consumer: String
        /// `gpiod_line_request_config.request_type`.
        public var requestType: Int32
        /// `gpiod_line_request_config.flags`.
        public var flags: Int32
        /// Whether `GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW` is set.
        public var activeLow: Bool { flags & Int32(GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW) != 0 }
    }

    final class Chip {
        let spec: ChipSpec
        let nameC: UnsafeMutablePointer<CChar>
        let labelC: UnsafeMutablePointer<CChar>
        unowned let board: FakeGpioBoard
        var lines: [UInt32: Line] = [:]
        var openCount = 0
        /// The board while the chip is open (`openCount > 0`): an open chip keeps its board alive, as an open file
        /// keeps a kernel chip, so a wrapper that closes it after the test let go of the board (an optimized build
        /// ends a local's lifetime at its last use) closes a live chip.
        var openBoard: FakeGpioBoard?

        init(spec: ChipSpec, board: FakeGpioBoard) {
            self.spec = spec
            self.board = board
            nameC = strdup(spec.name)
            labelC = strdup(spec.label)
        }

        deinit {
            free(nameC)
            free(labelC)
        }

        func line(_ offset: UInt32) -> Line {
            if let line = lines[offset] { return line }
            let line = Line(chip: self, offset: offset)
            lines[offset] = line
            return line
        }
    }

    struct Queued {
        var timestampNs: Int64
        var electrical: UInt8
    }

    final class Line {
        unowned let chip: Chip
        let offset: UInt32
        var electrical: UInt8 = 0
        var request: Request?
        var fifo: [Queued] = []
        var fifoHead = 0
        var dropped = 0
        /// The v2 request holding the line (its events go to the request's FIFO, FakeGpiodV2.swift).
        weak var requestV2: LineRequestV2?
        /// The v1 event descriptor, once asked for (`gpiod_line_event_get_fd`); closed when the line is released.
        var descriptor: FakeDescriptor?

        init(chip: Chip, offset: UInt32) {
            self.chip = chip
            self.offset = offset
        }

        var queued: Int { fifo.count - fifoHead }
        func logical(_ electrical: UInt8) -> UInt8 { request?.activeLow == true ? electrical ^ 1 : electrical }
    }

    /// The kernel's v1 FIFO size.
    public static let fifoCapacity = 16

    private let lock = Locked(())
    var chips: [Chip] = []
    private struct Scripted {
        var line: Line
        var edge: Edge
    }

    private struct Arrival {
        var visibleNs: Int64
        var line: Line
        var timestampNs: Int64
        var electrical: UInt8
    }

    /// Scripted edges not yet applied, with their line resolved (from `scriptHead` on).
    private var script: [Scripted] = []
    private var scriptHead = 0
    /// Reported edges on their way to a FIFO, in arrival order.
    private var inFlight: [Arrival] = []
    private var inFlightHead = 0
    var failures: [String: Int32] = [:]
    var calls: [String: Int] = [:]
    var blockingReads = 0
    var nowNs: Int64
    let callCostNs: Int64
    /// What reading the clock costs (0: reading it alone never moves it).
    let clockReadCostNs: Int64
    /// Chips attached to lines of this board (the HX711 behind two of them).
    var devices: [FakeHX711] = []
    /// The clock follows the real CLOCK_MONOTONIC and waits really wait (`paced(chips:)`).
    let paced: Bool
    /// The chips are in the process's listing of /dev (v2's chip paths, v1's chip iterator), which a search by
    /// label walks, opening and closing every chip it lists. An unlisted board is found by its paths only, so
    /// no other test's search opens its chips (and counts calls on it) while the test counts them.
    let listed: Bool
    /// Every event descriptor handed out and still open, by number.
    var descriptors: [Int32: FakeDescriptor] = [:]
    /// The wake-ups of the paced `poll`s sleeping now: `script` signals them, so an edge scripted during a long
    /// sleep is seen when it happens, not when the sleep ends.
    private var sleepers: [ObjectIdentifier: FakeDescriptor] = [:]

    /// A board with `chips`, its clock at `startNs`; every call into the fake advances it by `callCostNs`.
    /// With `clockReadCostNs` > 0 each read of the clock moves it too, so code that spins on the clock (the HX711
    /// bit-bang loop's pulse lengths) ends.
    /// `listed: false` keeps its chips out of the listing of /dev (see `listed`).
    public convenience init(
        chips: [ChipSpec], startNs: Int64 = 1_000_000_000, callCostNs: Int64 = 1_000,
        clockReadCostNs: Int64 = 0, listed: Bool = true
    ) {
        self.init(
            chips: chips, startNs: startNs, callCostNs: callCostNs, clockReadCostNs: clockReadCostNs,
            paced: false, listed: listed)
    }

    /// A board whose clock is the real CLOCK_MONOTONIC (never behind it; calls cost nothing) and whose
    /// `gpiod_line_event_wait_bulk` really sleeps until the next scripted edge or the timeout: for a whole agent
    /// running in real time on it (its detection loop and wall-clock stamps go by the same clock). Script edges at
    /// least a few milliseconds after `currentNs`.
    public static func paced(chips: [ChipSpec]) -> FakeGpioBoard {
        FakeGpioBoard(
            chips: chips, startNs: SystemClock.monotonicNs(), callCostNs: 0, clockReadCostNs: 0, paced: true,
            listed: true)
    }

    private init(
        chips: [ChipSpec], startNs: Int64, callCostNs: Int64, clockReadCostNs: Int64, paced: Bool, listed: Bool
    ) {
        nowNs = startNs
        self.listed = listed
        self.callCostNs = callCostNs
        self.clockReadCostNs = clockReadCostNs
        self.paced = paced
        self.chips = chips.map { Chip(spec: $0, board: self) }
        FakeGpiod.register(self)
    }

    deinit {
        FakeGpiod.unregister(self)
    }

    /// The C functions: libgpiod's signatures, served by every registered fake board.
    public var functions: GpiodFunctions { FakeGpiod.functions }

    /// A `GpioLineSource` on this board (the real v1 wrapper over the fake functions).
    public var source: GpiodV1LineSource { GpiodV1LineSource(functions: functions) }

    /// A label no other fake board in this process uses (tests run in parallel and share the registry).
    public static func uniqueLabel(_ base: String) -> String { FakeGpiod.uniqueLabel(base) }

    func withLock<Result>(_ body: () -> Result) -> Result {
        lock.withLock { _ in body() }
    }

    // MARK: scripting

    /// Sets a pin's electrical level now, without an edge (before the lines are requested).
    public func setLevel(chip label: String, offset: UInt32, _ level: UInt8) {
        withLock { chip(label).line(offset).electrical = level }
    }

    /// Appends edges; they must come after the script's last edge and after the current time.
    public func script(_ edges: [Edge]) {
        withLock {
            precondition(zip(edges, edges.dropFirst()).allSatisfy { $0.atNs <= $1.atNs }, "edges in time order")
            let lastNs = scriptHead < script.count ? script[script.count - 1].edge.atNs : nowNs
            precondition(lastNs <= (edges.first?.atNs ?? .max), "edges after the last ones and after now")
            if scriptHead > 4096 {
                script.removeFirst(scriptHead)
                scriptHead = 0
            }
            var lines: [String: Chip] = [:]
            for edge in edges {
                let found = lines[edge.chip] ?? chip(edge.chip)
                lines[edge.chip] = found
                script.append(Scripted(line: found.line(edge.offset), edge: edge))
            }
            for sleeper in sleepers.values { sleeper.set(true) }
        }
    }

    /// Scripted edges that have not happened yet.
    public var edgesToCome: Int { withLock { script.count - scriptHead } }

    /// The next call of `function` (a libgpiod name) fails with `errnoValue`.
    public func failNext(_ function: String, errno errnoValue: Int32) {
        withLock { failures[function] = errnoValue }
    }

    /// Moves the clock forward without any call (the reader was descheduled).
    public func advance(byNs delta: Int64) {
        withLock {
            nowNs += delta
            deliver()
        }
    }

    /// Connects `device` to its lines (it drives its output line, listens to its input line from now on).
    public func attach(_ device: FakeHX711) {
        withLock {
            _ = chip(device.chip)
            device.attached(atNs: nowNs)
            devices.append(device)
        }
    }

    /// Runs `body` under the board's lock (for reading a device's state consistently).
    public func inspect<Result>(_ body: () -> Result) -> Result { withLock(body) }

    // MARK: inspection

    /// The virtual CLOCK_MONOTONIC.
    public var currentNs: Int64 {
        withLock {
            catchUp()
            return nowNs
        }
    }

    /// Every scripted edge happened, reached its FIFO (or was dropped) and was read.
    public var isExhausted: Bool {
        withLock {
            scriptHead == script.count && inFlightHead == inFlight.count
                && chips.allSatisfy {
                    $0.lines.values.allSatisfy { $0.queued == 0 && ($0.requestV2?.queued ?? 0) == 0 }
                }
        }
    }

    /// Events the fake kernel dropped because a FIFO was full, per (label, offset).
    public func droppedEvents(chip label: String, offset: UInt32) -> Int {
        withLock { chip(label).lines[offset]?.dropped ?? 0 }
    }

    /// Events dropped on every line.
    public var droppedEvents: Int {
        withLock { chips.reduce(0) { $0 + $1.lines.values.reduce(0) { $0 + $1.dropped } } }
    }

    /// What `(label, offset)` is requested with, or nil when it is free.
    public func request(chip label: String, offset: UInt32) -> Request? {
        withLock { chip(label).lines[offset]?.request }
    }

    /// Chips opened and not closed yet (by `gpiod_chip_open*` or an iterator).
    public var openChips: Int { withLock { chips.reduce(0) { $0 + $1.openCount } } }

    /// Lines requested and not released yet.
    public var requestedLines: Int {
        withLock { chips.reduce(0) { $0 + $1.lines.values.filter { $0.request != nil }.count } }
    }

    /// How often each libgpiod function was called.
    public var callCounts: [String: Int] { withLock { calls } }

    /// The event descriptors handed out and still open (v1 lines', v2 requests'): real eventfds, readable exactly
    /// while their FIFO holds events.
    public var eventDescriptors: [Int32] { withLock { descriptors.keys.sorted() } }

    /// Whether the event descriptor of `(label, offset)` (its v1 line's, or its v2 request's) is readable now, as
    /// a real `ppoll` of it says; nil when none was handed out.
    public func descriptorIsReadable(chip label: String, offset: UInt32) -> Bool? {
        let fd = withLock { () -> Int32? in
            guard let line = chip(label).lines[offset] else { return nil }
            return (line.requestV2?.descriptor ?? line.descriptor)?.fd
        }
        guard let fd else { return nil }
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return hw_poll_ns(&entry, 1, 0) == 1
    }

    /// Reads of an empty FIFO: on a real board those block the reader thread. Must stay 0.
    public var readsOfEmptyFifo: Int { withLock { blockingReads } }

    // MARK: the fake kernel (called with the lock held)

    func chip(_ label: String) -> Chip {
        guard let found = chips.first(where: { $0.spec.label == label }) else {
            preconditionFailure("no fake chip labelled \(label)")
        }
        return found
    }

    /// Counts the call, advances the clock by its cost, delivers what became visible; returns the errno to fail
    /// with when the test asked for it.
    func enter(_ function: String) -> Int32? {
        calls[function, default: 0] += 1
        nowNs += callCostNs
        catchUp()
        deliver()
        return failures.removeValue(forKey: function)
    }

    /// The electrical level of `line`: what an attached device drives on it, else its own.
    func electrical(of line: Line) -> UInt8 {
        for device in devices where device.chip == line.chip.spec.label && device.doutLine == line.offset {
            return device.dout(atNs: nowNs)
        }
        return line.electrical
    }

    /// The program drives output `line` to `electrical`: devices listening to it see the change now.
    func drive(_ line: Line, electrical: UInt8) {
        line.electrical = electrical
        for device in devices where device.chip == line.chip.spec.label && device.sckLine == line.offset {
            device.clock(high: electrical == 1, atNs: nowNs)
        }
    }

    /// A paced board's clock is never behind the real one.
    func catchUp() {
        if paced { nowNs = max(nowNs, SystemClock.monotonicNs()) }
    }

    /// `gpiod_line_event_wait_bulk`'s ppoll on `lines`: time passes until an event reaches one of their FIFOs (1,
    /// after `onReady` ran under the lock) or `waitNs` is over (0); -1 with errno set when the call fails or would
    /// sleep forever. A paced board sleeps without the lock (so other threads and the test can call in) until the
    /// real clock gets to the next scripted change; an edge scripted meanwhile is seen when the sleep ends.
    func waitForEvents(on lines: [Line], waitNs: Int64, onReady: () -> Void) -> Int32 {
        var deadlineNs: Int64?
        var sleptUntilNs: Int64?
        while true {
            let step = withLock { () -> WaitStep in
                if deadlineNs == nil {
                    if let failure = enter("gpiod_line_event_wait_bulk") { return .fail(failure) }
                    deadlineNs = waitNs == .max ? .max : nowNs + waitNs
                }
                let deadline = deadlineNs!
                if let wokeAtNs = sleptUntilNs {
                    sleptUntilNs = nil
                    pass(untilNs: wokeAtNs)
                }
                while !lines.contains(where: { $0.queued > 0 }) {
                    if nowNs >= deadline { return .done(0) }
                    var targetNs = deadline
                    if let nextNs = nextChangeNs(), nextNs <= deadline {
                        targetNs = nextNs
                    } else if deadline == .max {
                        return .fail(EINVAL)  // would sleep forever
                    }
                    if paced && targetNs > SystemClock.monotonicNs() { return .sleep(untilNs: targetNs) }
                    pass(untilNs: targetNs)
                }
                onReady()
                return .done(1)
            }
            switch step {
            case .done(let result):
                return result
            case .fail(let value):
                errno = value
                return -1
            case .sleep(let targetNs):
                SystemClock.sleep(untilMonotonicNs: targetNs)
                sleptUntilNs = targetNs
            }
        }
    }

    /// What one turn of `waitForEvents` under the lock came to.
    private enum WaitStep {
        case done(Int32)
        case fail(Int32)
        case sleep(untilNs: Int64)
    }

    /// Time passes to `targetNs` (the caller waited until then): the scripted edges up to it happen.
    func pass(untilNs targetNs: Int64) {
        nowNs = max(nowNs, targetNs)
        catchUp()
        deliver()
    }

    /// Applies every scripted edge up to `nowNs` and moves events that reached the kernel into their FIFO.
    func deliver() {
        while scriptHead < script.count, script[scriptHead].edge.atNs <= nowNs {
            let line = script[scriptHead].line
            let edge = script[scriptHead].edge
            scriptHead += 1
            line.electrical = edge.level
            guard edge.reported, line.request != nil else { continue }
            let entry = Arrival(
                visibleNs: edge.atNs + edge.latencyNs, line: line, timestampNs: edge.atNs,
                electrical: edge.level)
            // Kept in arrival order; latencies differ, so insert from the back.
            var position = inFlight.count
            while position > inFlightHead, inFlight[position - 1].visibleNs > entry.visibleNs { position -= 1 }
            inFlight.insert(entry, at: position)
        }
        while inFlightHead < inFlight.count, inFlight[inFlightHead].visibleNs <= nowNs {
            let entry = inFlight[inFlightHead]
            inFlightHead += 1
            let line = entry.line
            guard line.request != nil else { continue }
            if let owner = line.requestV2 {
                owner.push(timestampNs: entry.timestampNs, line: line, electrical: entry.electrical)
                continue
            }
            if line.queued >= Self.fifoCapacity {
                line.dropped += 1
            } else {
                line.fifo.append(Queued(timestampNs: entry.timestampNs, electrical: entry.electrical))
            }
        }
        if inFlightHead > 4096, inFlightHead * 2 > inFlight.count {
            inFlight.removeFirst(inFlightHead)
            inFlightHead = 0
        }
        syncDescriptors()
    }

    /// Makes every event descriptor readable exactly while its FIFO holds events.
    func syncDescriptors() {
        guard !descriptors.isEmpty else { return }
        for chip in chips {
            for line in chip.lines.values {
                line.descriptor?.set(line.queued > 0)
                if let request = line.requestV2, let descriptor = request.descriptor {
                    descriptor.set(request.queued > 0)
                }
            }
        }
    }

    /// A new event descriptor of this board, registered so the fake `poll` finds the board by it.
    func newDescriptor() -> FakeDescriptor {
        let descriptor = FakeDescriptor()
        descriptors[descriptor.fd] = descriptor
        FakeGpiod.registerDescriptor(descriptor.fd, of: self)
        return descriptor
    }

    /// Closes `descriptor` (its line or request was released).
    func closeDescriptor(_ descriptor: FakeDescriptor?) {
        guard let descriptor else { return }
        descriptors.removeValue(forKey: descriptor.fd)
        FakeGpiod.unregisterDescriptor(descriptor.fd)
    }

    /// The fake `ppoll`: time passes (virtual, or really for a paced board) until a descriptor of `entries` is
    /// readable: one of this board's event descriptors (its FIFO holds events), or another (a real one, the
    /// caller's wake-up: polled for real) or `timeoutNs` (negative: none) is over. Fills `revents`; returns how many
    /// are ready, or -1 with errno set (a virtual wait that would never end: EINVAL).
    func poll(_ entries: UnsafeMutableBufferPointer<pollfd>, timeoutNs: Int64) -> Int32 {
        var deadlineNs: Int64?
        var others: [Int] = []
        while true {
            let step = withLock { () -> PollStep in
                if deadlineNs == nil {
                    if let failure = enter("ppoll") { return .fail(failure) }
                    deadlineNs = timeoutNs < 0 ? .max : nowNs + timeoutNs
                    others = entries.indices.filter { descriptors[entries[$0].fd] == nil }
                } else {
                    pass(untilNs: nowNs)
                }
                let deadline = deadlineNs!
                while true {
                    let ready = readyCount(entries, others: others)
                    if ready > 0 { return .done(ready) }
                    if nowNs >= deadline { return .done(0) }
                    var targetNs = deadline
                    if let nextNs = nextChangeNs(), nextNs <= deadline {
                        targetNs = nextNs
                    } else if deadline == .max && !paced {
                        return .fail(EINVAL)  // would sleep forever
                    }
                    if paced && targetNs > SystemClock.monotonicNs() {
                        // Registered in the same hold of the lock: a `script` after this wakes the sleep.
                        let scripted = FakeDescriptor()
                        sleepers[ObjectIdentifier(scripted)] = scripted
                        return .sleep(untilNs: targetNs, scripted: scripted)
                    }
                    pass(untilNs: targetNs)
                }
            }
            switch step {
            case .done(let result):
                return result
            case .fail(let value):
                errno = value
                return -1
            case .sleep(let targetNs, let scripted):
                // Really waits, on the other descriptors and on a change of the script (the board's own change
                // comes when the clock gets there).
                var real = others.map { pollfd(fd: entries[$0].fd, events: entries[$0].events, revents: 0) }
                real.append(pollfd(fd: scripted.fd, events: Int16(POLLIN), revents: 0))
                let leftNs = targetNs == .max ? -1 : max(0, targetNs - SystemClock.monotonicNs())
                _ = real.withUnsafeMutableBufferPointer { hw_poll_ns($0.baseAddress, UInt($0.count), leftNs) }
                withLock { _ = sleepers.removeValue(forKey: ObjectIdentifier(scripted)) }
            }
        }
    }

    /// What one turn of `poll` under the lock came to.
    private enum PollStep {
        case done(Int32)
        case fail(Int32)
        /// Sleep until then, or until `scripted` is readable (the script changed).
        case sleep(untilNs: Int64, scripted: FakeDescriptor)
    }

    /// Fills `revents`: this board's descriptors from their FIFOs, `others` by a real ppoll that does not wait.
    private func readyCount(_ entries: UnsafeMutableBufferPointer<pollfd>, others: [Int]) -> Int32 {
        var ready: Int32 = 0
        for index in entries.indices {
            entries[index].revents = 0
            if let descriptor = descriptors[entries[index].fd], descriptor.readable {
                entries[index].revents = Int16(POLLIN)
                ready += 1
            }
        }
        if !others.isEmpty {
            var real = others.map { pollfd(fd: entries[$0].fd, events: entries[$0].events, revents: 0) }
            if real.withUnsafeMutableBufferPointer({ hw_poll_ns($0.baseAddress, UInt($0.count), 0) }) > 0 {
                for (slot, index) in others.enumerated() where real[slot].revents != 0 {
                    entries[index].revents = real[slot].revents
                    ready += 1
                }
            }
        }
        return ready
    }

    /// The next time the fake kernel has something to do: a scripted edge, or an event reaching its FIFO.
    func nextChangeNs() -> Int64? {
        let arrival: Int64? = inFlightHead < inFlight.count ? inFlight[inFlightHead].visibleNs : nil
        let edge: Int64? = scriptHead < script.count ? script[scriptHead].edge.atNs : nil
        switch (arrival, edge) {
        case (nil, nil): return nil
        case (let time?, nil), (nil, let time?): return time
        case (let first?, let second?): return min(first, second)
        }
    }
}
