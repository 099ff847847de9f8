import Foundation
import HoistWatchAgentTestSupport
import HoistWatchBoard
import HoistWatchBoardTestKit
import HoistWatchConfig
import HoistWatchCore
import HoistWatchTestSupport
import Logging
import ServiceLifecycle
import Testing

@testable import HoistWatchAgent

/// The whole agent in this process on a GPIO board: `AgentRuntime` with the fake libgpiod at the C boundary (its
/// one seam), everything above it real: the production wrapper, backend, reader and load-cell threads, detection
/// loop, SQLite outbox, libmosquitto link, to a real Mosquitto on loopback, where a subscriber waits for the
/// alerts. The fake board is paced by the real clock, so this runs in real time (about 15 s).
@Suite(.serialized) struct GpioAgentEndToEndTests {
    static let deviceId = "37010000000000000001"
    static let prefix = "hoistwatch/v1"

    /// `AgentRuntime.run` as a service of a group the test can stop gracefully (what SIGTERM does to the binary).
    struct RuntimeService: Service {
        let runtime: AgentRuntime
        func run() async throws { try await runtime.run() }
    }

    @Test func aDoorOpenedWhileMovingOnGpioEdgesReachesTheBrokerWithItsFlightRecord() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let subscriber = try await TestSubscriber(
            port: broker.port, pattern: "\(Self.prefix)/#", savesContractSamples: true)
        defer { subscriber.close() }
        let directory = try TestDirectory("gpio-agent")

        // The Raspberry Pi 4 profile on a fake chip, the HX711 bit-banged on GPIO9/10 of it.
        let label = FakeGpioBoard.uniqueLabel("pinctrl-bcm2711")
        let fake = FakeGpioBoard.paced(chips: [.init(name: "gpiochip-" + label, label: label, lineCount: 58)])
        let shipped = try BoardProfile.parse(
            toml: String(
                contentsOfFile: "\(AgentProcess.repository)/Board/profiles/raspberry-pi-4.toml", encoding: .utf8))
        var profile = shipped
        for (input, line) in shipped.inputs {
            profile.inputs[input] = .init(
                chip: .label(label), offset: line.offset, activeLow: line.activeLow,
                bias: line.bias)
        }
        profile.loadCell = .gpio(chip: .label(label), doutLine: 9, sckLine: 10)
        // 1300 kg in the car of the demo calibration (raw_zero 84000, 21.5 counts per kg, rated 1000 kg).
        let hx711 = FakeHX711(chip: label, doutLine: 9, sckLine: 10) { _ in 84_000 + 21 * 1_300 + 1_300 / 2 }
        fake.attach(hx711)
        // Electrical levels at start: the optocoupled inputs pull low when asserted (active-low). Door closed,
        // mains present, outside a door zone, nothing else asserted; encoder lines low.
        for (offset, level) in [(22, 0), (13, 0), (23, 1), (24, 1), (25, 1), (5, 1), (6, 1), (12, 1), (17, 0), (27, 0)]
        {
            fake.setLevel(chip: label, offset: UInt32(offset), UInt8(level))
        }

        let calibrationPath = "\(AgentProcess.repository)/Calibration/demo-elevator.toml"
        let calibrationText = try String(contentsOfFile: calibrationPath, encoding: .utf8)
        let site = SiteConfig(
            path: directory.file("site.toml"), deviceId: Self.deviceId, board: .profile("pi4-on-a-fake-chip"),
            calibrationPath: calibrationPath,
            broker: .init(host: "127.0.0.1", port: broker.port, clientId: "gpio-e2e", keepAliveS: 5),
            stateDirectory: directory.file("state"), statusIntervalS: 2)
        let inputs = AgentRuntime.Inputs(
            site: site, calibration: try Calibration.parse(toml: calibrationText),
            calibrationBytes: Array(calibrationText.utf8), password: nil, version: "test")
        var (logger, logs) = capturingLogger()
        logger.logLevel = .info
        let runtime = AgentRuntime(inputs: inputs, logger: logger, stopsOnSignals: false) { [logger, profile] in
            try GpioBoard.open(
                name: "pi4-on-a-fake-chip", profilePath: "pi4-fake.toml", profile: profile,
                calibration: inputs.calibration, deviceId: Self.deviceId, gpiod: .v1(FakeGpiod.functions),
                readSysfs: SysfsAttribute.read, logger: logger)
        }
        let group = ServiceGroup(services: [RuntimeService(runtime: runtime)], logger: logger)
        let running = Task { try await group.run() }

        let birth = await eventually(within: 10) {
            subscriber.messages(on: "/status").contains { jsonObject($0.payload)?["kind"] as? String == "birth" }
        }
        #expect(birth, "no birth: \(logs.withLock { $0.suffix(20) })")
        #expect(fake.requestedLines == 12, "10 inputs for both edges, PD_SCK and DOUT")

        // The car sets off upwards at 0.5 m/s (2000 x4 counts/s); the door opens 0.5 s later, between floors,
        // and closes again 0.8 s after that; then door_zone repeats its level: an edge was lost.
        // The script is made relative to 0 and moved to 300 ms after the board's clock just before it is handed
        // over, so that making it may take as long as it takes (under emulation, much longer than natively).
        var encoder = QuadratureScript(chip: label, lineA: 17, lineB: 27, startNs: 0)
        var script = encoder.next(3_000, periodNs: 500_000)
        script.append(.init(chip: label, offset: 22, atNs: 500_000_000, level: 1))
        script.append(.init(chip: label, offset: 22, atNs: 1_300_000_000, level: 0))
        script.append(.init(chip: label, offset: 23, atNs: 2_500_000_000, level: 1))
        script.sort { $0.atNs < $1.atNs }
        let t0 = fake.currentNs + 300_000_000
        for index in script.indices { script[index].atNs += t0 }
        let doorOpenNs = t0 + 500_000_000
        fake.script(script)

        func events() -> [[String: Any]] { subscriber.messages(on: "/event").compactMap { jsonObject($0.payload) } }
        func raised(_ type: String) -> [String: Any]? {
            events().first { $0["type"] as? String == type && $0["transition"] as? String == "raised" }
        }
        let door = await eventually(within: 10) { raised("door_open_while_moving") != nil }
        #expect(door, "events: \(events().map { $0["type"] ?? "" }); log: \(logs.withLock { $0.suffix(30) })")
        if let alarm = raised("door_open_while_moving") {
            #expect(alarm["severity"] as? String == "alarm")
            let data = alarm["data"] as? [String: Any]
            let speed = data?["speed_mps"] as? Double ?? 0
            #expect(speed > 0.45 && speed < 0.55, "speed \(speed)")
            // mono_ns is the kernel's clock: the door opened at doorOpenNs; debounce 20 ms, confirm 100 ms.
            let mono = Int64(alarm["mono_ns"] as? Int ?? 0)
            #expect(
                mono > doorOpenNs + 100_000_000 && mono < doorOpenNs + 200_000_000,
                "raised \(Double(mono - doorOpenNs) / 1e6) ms after the door opened")
            // Its flight record (10 s before to 5 s after, trace format) holds the door's edge and the encoder's.
            let id = alarm["id"] as? String ?? "?"
            let record = await eventually(within: 15) { subscriber.flightRecord(eventId: id) != nil }
            #expect(record, "no flight record")
            let lines = subscriber.flightRecord(eventId: id)?.split(separator: "\n") ?? []
            #expect(lines.first?.contains("\"hoistwatch-trace\"") == true)
            #expect(lines.contains { $0.contains("\"line\":\"door_closed\",\"level\":0") })
            #expect(lines.filter { $0.contains("\"line\":\"enc_a\"") }.count > 100)
            #expect(lines.contains { $0.contains("\"adc\":\"load\"") }, "load samples are in the record too")
        }

        // Under emulation (`make verify-arm64`) the bit-banged HX711 cannot be read: each libgpiod call takes so
        // long there that PD_SCK stays high past the datasheet's 60 us and the model powers down, so the agent
        // rightly raises sensor_fault (`adc_failing`) instead of overload, and that fault comes before the lost
        // edge's. What follows is then a known issue of emulation, reported as one; natively it must all hold.
        await withKnownIssue("the bit-banged HX711 misses its timing under emulation", isIntermittent: true) {
            // The bit-banged load cell reads 1300 kg: overload (warning) after its 1 s confirm time.
            let overload = await eventually(within: 10) { raised("overload") != nil }
            #expect(overload, "events: \(events().map { $0["type"] ?? "" })")
            let loadKg = (raised("overload")?["data"] as? [String: Any])?["load_kg"] as? Double ?? 0
            #expect(abs(loadKg - 1300) < 1, "load \(loadKg)")

            // The lost edge: sensor_fault with the cause gpio_lost_edges and the reader's totals.
            let lost = await eventually(within: 10) { raised("sensor_fault") != nil }
            #expect(lost, "events: \(events().map { $0["type"] ?? "" })")
            if let fault = raised("sensor_fault") {
                let data = fault["data"] as? [String: Any]
                #expect((data?["causes"] as? [String])?.contains("gpio_lost_edges") == true, "\(data ?? [:])")
                #expect(data?["lost_edges"] as? Int == 1, "\(data ?? [:])")
            }
            // The periodic status carries the board's counters.
            let counted = await eventually(within: 10) {
                subscriber.messages(on: "/status").contains {
                    ((jsonObject($0.payload)?["gpio"] as? [String: Any])?["lost_edges"] as? Int) == 1
                }
            }
            #expect(counted, "status with gpio.lost_edges = 1")
            let status = subscriber.messages(on: "/status").compactMap { jsonObject($0.payload) }
            #expect(status.first { $0["kind"] as? String == "birth" }?["board"] as? String == "pi4-on-a-fake-chip")
            #expect(status.contains { ($0["load_cell"] as? [String: Any])?["samples"] as? Int ?? 0 > 10 })
        } when: {
            WallClockScale.factor > 1
        }

        await group.triggerGracefulShutdown()
        try await running.value
        #expect(fake.requestedLines == 0 && fake.openChips == 0, "every line released, every chip closed")
        #expect(
            await eventually(within: 5) {
                jsonObject(subscriber.messages(on: "/status").last?.payload ?? "")?["online"] as? Bool == false
            })
        #expect(logs.withLock { $0.contains { $0.contains("gpio reader stopped") } })
    }
}
