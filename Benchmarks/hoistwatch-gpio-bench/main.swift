// hoistwatch-gpio-bench: how many edge events per second the GPIO input backend turns into input events, with the
// libgpiod C layer faked (HoistWatchBoardTestKit's FakeGpioBoard behind the real v1 wrapper), against the
// requirement of issue 4: keep up with an encoder at 20,000 edges/s.
//
//   hoistwatch-gpio-bench [--edges 1000000] [--rate 20000]
//
// Two runs of a quadrature encoder scripted at --rate edges/s (virtual time), --edges edges each:
//   per_edge: the reader wakes for every edge (the fake's ppoll returns as soon as one is queued): the most
//             wake-ups, the worst case for the cost per edge.
//   batched:  the reader is descheduled 1 ms between turns, so each read finds ~rate/1000 edges.
// The figure is wall-clock input events per second on this CPU, for the backend (wait, read, order, lost-edge
// checks, resync) plus the fake's own bookkeeping; a real board adds the kernel's ppoll/read cost instead.
// Results go to stdout as `key=value` lines (scripts/bench.sh turns them into the report); progress to stderr.

import HoistWatchBoard
import HoistWatchBoardTestKit
import HoistWatchConfig
import HoistWatchCore
import Logging

#if canImport(Glibc)
import Glibc
#endif

func wallNs() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}

func progress(_ message: String) {
    var line = "[gpio-bench] \(message)\n"
    _ = line.withUTF8 { write(2, $0.baseAddress, $0.count) }
}

func option(_ name: String, default fallback: Int) -> Int {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name) else { return fallback }
    guard index + 1 < arguments.count, let value = Int(arguments[index + 1]), value > 0 else {
        progress("error: \(name) needs a positive integer")
        exit(2)
    }
    return value
}

let edges = option("--edges", default: 1_000_000)
let rate = option("--rate", default: 20_000)
let requiredRate = 20_000
let periodNs = Int64(1_000_000_000 / rate)

struct Result {
    var wallNs: Int64
    var counters: GpioInputCounters
    var events: Int64
    var dropped: Int
    var emptyReads: Int
}

func run(descheduledNs: Int64) throws -> Result {
    let label = FakeGpioBoard.uniqueLabel("pinctrl-bcm2711")
    let board = FakeGpioBoard(chips: [.init(name: "gpiochip0", label: label, lineCount: 58)], callCostNs: 1_000)
    let line = { (offset: UInt32) in
        BoardProfile.Line(chip: .label(label), offset: offset, activeLow: false, bias: .pullUp)
    }
    let profile = BoardProfile(inputs: [.encA: line(17), .encB: line(27)])
    let backend = try GpioInputBackend(
        profile: profile, inputs: [.encA, .encB], source: board.source,
        logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
    var encoder = QuadratureScript(chip: label, lineA: 17, lineB: 27, startNs: board.currentNs)
    let chunk = 50_000
    var scripted = 0
    var events: Int64 = 0
    let startNs = wallNs()
    while scripted < edges || !board.isExhausted {
        if scripted < edges && board.edgesToCome < chunk {
            let count = min(chunk, edges - scripted)
            board.script(encoder.next(count, periodNs: periodNs))
            scripted += count
        }
        events += Int64(try backend.pump().events.count)
        if descheduledNs > 0 { board.advance(byNs: descheduledNs) }
    }
    let last = backend.flush()
    events += Int64(last.events.count)
    return Result(
        wallNs: wallNs() - startNs, counters: last.counters, events: events, dropped: board.droppedEvents,
        emptyReads: board.readsOfEmptyFifo)
}

progress("encoder at \(rate) edges/s (virtual), \(edges) edges per run, C layer faked")
print("gpio_edges=\(edges)")
print("gpio_rate_edges_s=\(rate)")
print("gpio_required_edges_s=\(requiredRate)")
for (name, descheduledNs) in [("per_edge", Int64(0)), ("batched", Int64(1_000_000))] {
    do {
        let result = try run(descheduledNs: descheduledNs)
        let seconds = Double(result.wallNs) / 1e9
        let perSecond = Double(result.events) / seconds
        let counters = result.counters
        let complete = result.events == Int64(edges) && counters.lostEdges == 0 && result.dropped == 0
        progress(
            "\(name): \(result.events) input events in \(String(format: "%.3f", seconds)) s = "
                + "\(String(format: "%.0f", perSecond)) events/s (\(counters.batches) batches, lost \(counters.lostEdges), "
                + "FIFO drops \(result.dropped))")
        print("gpio_\(name)_wall_s=\(String(format: "%.3f", seconds))")
        print("gpio_\(name)_input_events=\(result.events)")
        print("gpio_\(name)_input_events_s=\(String(format: "%.0f", perSecond))")
        print(
            "gpio_\(name)_ns_per_edge=\(String(format: "%.0f", Double(result.wallNs) / Double(max(1, result.events))))")
        print("gpio_\(name)_batches=\(counters.batches)")
        print("gpio_\(name)_lost_edges=\(counters.lostEdges)")
        print("gpio_\(name)_overflows_suspected=\(counters.overflowsSuspected)")
        print("gpio_\(name)_fifo_drops=\(result.dropped)")
        print("gpio_\(name)_empty_fifo_reads=\(result.emptyReads)")
        print("gpio_\(name)_complete=\(complete ? "yes" : "no")")
        print("gpio_\(name)_headroom_x=\(String(format: "%.1f", perSecond / Double(requiredRate)))")
    } catch {
        progress("error: \(error)")
        exit(1)
    }
}
