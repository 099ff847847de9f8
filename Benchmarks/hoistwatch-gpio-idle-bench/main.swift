// hoistwatch-gpio-idle-bench: what an idle GPIO board costs the agent's process: wake-ups per second (context
// switches of all its threads) and CPU, for the detection loop over a real `GpioBoard` (the production wrapper,
// backend and reader thread) on the fake libgpiod at the C seam, paced by the real clock, with nothing happening
// on the lines. No gpio-sim, no broker: `DetectionService` with its SQLite outbox in a temporary folder.
//
//   hoistwatch-gpio-idle-bench [--seconds 30] [--warmup 3] [--hx711]
//
// Run from the repository (it reads Board/profiles/raspberry-pi-4.toml and Calibration/demo-elevator.toml). With
// --hx711 the demo's load cell is wired too, bit-banged over two fake lines (`FakeHX711`, 10 conversions a second):
// its thread's cost is in the figures then. The fake's own bookkeeping is in the CPU figure; a real board has the
// kernel's ppoll and read instead. Results go to stdout as `key=value` lines; progress to stderr.

import Foundation
import HoistWatchAgent
import HoistWatchBoard
import HoistWatchBoardTestKit
import HoistWatchConfig
import HoistWatchCore
import HoistWatchSystem
import Logging

#if canImport(Glibc)
import Glibc
#endif

func progress(_ message: String) {
    FileHandle.standardError.write(Data("[gpio-idle-bench] \(message)\n".utf8))
}

func option(_ name: String, default fallback: Int) -> Int {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name) else { return fallback }
    guard index + 1 < arguments.count, let value = Int(arguments[index + 1]), value >= 0 else {
        progress("error: \(name) needs a number")
        exit(2)
    }
    return value
}

/// Voluntary and involuntary context switches of every thread of this process, summed.
func contextSwitches() -> Int64 {
    var total: Int64 = 0
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
    for task in tasks {
        guard let text = try? String(contentsOfFile: "/proc/self/task/\(task)/status", encoding: .utf8) else {
            continue
        }
        for line in text.split(separator: "\n") where line.contains("ctxt_switches") {
            if let value = Int64(line.split(separator: "\t").last?.trimmingCharacters(in: .whitespaces) ?? "") {
                total += value
            }
        }
    }
    return total
}

/// User plus system CPU time of the process, nanoseconds.
func cpuNs() -> Int64 {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let user = Int64(usage.ru_utime.tv_sec) * 1_000_000_000 + Int64(usage.ru_utime.tv_usec) * 1_000
    let system = Int64(usage.ru_stime.tv_sec) * 1_000_000_000 + Int64(usage.ru_stime.tv_usec) * 1_000
    return user + system
}

let seconds = option("--seconds", default: 30)
let warmup = option("--warmup", default: 3)
let withLoadCell = CommandLine.arguments.contains("--hx711")
let logger = Logger(label: "gpio-idle-bench") { _ in SwiftLogNoOpLogHandler() }

do {
    let label = FakeGpioBoard.uniqueLabel("pinctrl-bcm2711")
    let fake = FakeGpioBoard.paced(chips: [.init(name: "gpiochip-" + label, label: label, lineCount: 58)])
    let shipped = try BoardProfile.parse(
        toml: String(contentsOfFile: "Board/profiles/raspberry-pi-4.toml", encoding: .utf8))
    var profile = shipped
    for (input, line) in shipped.inputs {
        profile.inputs[input] = .init(
            chip: .label(label), offset: line.offset, activeLow: line.activeLow, bias: line.bias)
    }
    profile.loadCell = .gpio(chip: .label(label), doutLine: 9, sckLine: 10)
    // Door closed, mains present, outside a door zone, nothing else asserted; the car parked (as the agent
    // end-to-end test sets them).
    for (offset, level) in [(22, 0), (13, 0), (23, 1), (24, 1), (25, 1), (5, 1), (6, 1), (12, 1), (17, 0), (27, 0)] {
        fake.setLevel(chip: label, offset: UInt32(offset), UInt8(level))
    }
    var calibration = try Calibration.parse(
        toml: String(contentsOfFile: "Calibration/demo-elevator.toml", encoding: .utf8))
    if withLoadCell {
        fake.attach(FakeHX711(chip: label, doutLine: 9, sckLine: 10) { _ in 84_000 + 21 * 300 })
    } else {
        calibration.wiredAdc.remove(.load)
    }
    let deviceId = "37010000000000000001"
    let board = try GpioBoard.open(
        name: "idle-bench", profilePath: "pi4-fake.toml", profile: profile, calibration: calibration,
        deviceId: deviceId, gpiod: .v1(FakeGpiod.functions), readSysfs: SysfsAttribute.read, logger: logger)
    let folder = NSTemporaryDirectory() + "hoistwatch-gpio-idle-\(getpid())"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let outbox = try Outbox(path: folder + "/outbox.db")
    let detection = DetectionService(
        configuration: .init(
            calibration: calibration, deviceId: deviceId, bootId: "bench",
            routing: EventRouting(topicPrefix: "hoistwatch/v1", deviceId: deviceId)),
        board: board, outbox: outbox, snapshot: SharedSnapshot(), notifier: SystemdNotifier(), logger: logger)
    progress(
        "GPIO board idle on the paced fake (\(calibration.wiredInputs.count) lines"
            + (withLoadCell ? ", HX711 bit-banged" : ", no load cell") + "): \(warmup) s warm-up, \(seconds) s")
    let running = Task { try await detection.run() }
    try await Task.sleep(for: .seconds(warmup))
    let switchesBefore = contextSwitches()
    let cpuBefore = cpuNs()
    let wallBefore = SystemClock.monotonicNs()
    try await Task.sleep(for: .seconds(seconds))
    let switches = contextSwitches() - switchesBefore
    let cpu = cpuNs() - cpuBefore
    let wall = SystemClock.monotonicNs() - wallBefore
    detection.requestStop()
    try await running.value
    let wakeups = Double(switches) / (Double(wall) / 1e9)
    let cpuPercent = Double(cpu) / Double(wall) * 100
    progress(
        "\(switches) context switches in \(String(format: "%.1f", Double(wall) / 1e9)) s = "
            + "\(String(format: "%.1f", wakeups))/s, CPU \(String(format: "%.2f", cpuPercent)) %")
    print("gpio_idle_seconds=\(String(format: "%.1f", Double(wall) / 1e9))")
    print("gpio_idle_load_cell=\(withLoadCell ? "hx711-gpio" : "none")")
    print("gpio_idle_context_switches=\(switches)")
    print("gpio_idle_wakeups_s=\(String(format: "%.1f", wakeups))")
    print("gpio_idle_cpu_percent=\(String(format: "%.2f", cpuPercent))")
} catch {
    progress("error: \(error)")
    exit(1)
}
