import Foundation
import HoistWatchCore
import HoistWatchSimulator
import HoistWatchTestSupport
import Testing

/// The detection engine's wake-up deadline (`DetectionEngine.nextDeadlineNs`), held to what the live loop needs:
/// advanced only at the tick after each input and at the deadlines it reports, the engine gives every event of
/// every library scenario at the very wake-up of the tick it is raised at (no event waits for a later wake-up), and
/// the same events as evaluating every tick.
@Suite("Wake-up deadlines")
struct WakeDeadlineTests {
    /// An engine driven as the live loop drives it: woken only at the tick after an input or at its deadline.
    struct LazyDriver {
        var engine: DetectionEngine
        var events: [Event] = []
        /// Events that came out at a wake-up later than their tick: (type, raised at, woken at).
        var late: [(String, Int64, Int64)] = []
        var wakes = 0
        private var pendingWakeNs: Int64?
        private var deadlineNs: Int64?

        init(engine: DetectionEngine) {
            self.engine = engine
            deadlineNs = engine.nextDeadlineNs
        }

        static func tickAtOrAfter(_ tNs: Int64) -> Int64 {
            let tick = SignalChain.tickNs
            return (tNs + tick - 1) / tick * tick
        }

        /// One input of the board, in time order.
        mutating func feed(_ input: InputEvent) {
            let inputWakeNs = Self.tickAtOrAfter(input.tNs)
            if let pending = pendingWakeNs, inputWakeNs > pending { wake(atNs: pending) }
            while let deadline = deadlineNs, deadline < inputWakeNs, pendingWakeNs == nil || deadline < pendingWakeNs! {
                wake(atNs: deadline)
            }
            var produced: [Event] = []
            engine.process(input, into: &produced)
            // Ticks before the input ran now, between wake-ups: anything they raised came out late.
            for event in produced { late.append((event.type.rawValue, event.monoNs, inputWakeNs)) }
            events.append(contentsOf: produced)
            pendingWakeNs = min(pendingWakeNs ?? .max, inputWakeNs)
        }

        /// The end of the input: the last wake-ups, then what the engine still holds.
        mutating func finish(lastNs: Int64) {
            if let pending = pendingWakeNs { wake(atNs: pending) }
            while let deadline = deadlineNs, deadline <= lastNs { wake(atNs: deadline) }
            engine.finish(into: &events)
        }

        private mutating func wake(atNs wakeNs: Int64) {
            wakes += 1
            var produced: [Event] = []
            engine.advance(toNs: wakeNs, into: &produced)
            for event in produced where event.monoNs != wakeNs {
                late.append((event.type.rawValue, event.monoNs, wakeNs))
            }
            events.append(contentsOf: produced)
            pendingWakeNs = nil
            deadlineNs = engine.nextDeadlineNs
            if let deadline = deadlineNs { precondition(deadline > wakeNs, "a deadline must lie ahead") }
        }
    }

    struct Outcome: Sendable {
        var late: [String]
        var same: Bool
        var eventCount: Int
        var wakes: Int
        var ticks: Int64
    }

    static func drive(path: String) throws -> Outcome {
        var simulation = try ScenarioFile.simulation(scenarioPath: path, calibrationPath: nil)
        let calibration = simulation.calibration
        let header = simulation.header
        let stamper = EventStamper.replay(deviceId: calibration.deviceId, seed: 1)
        var every = DetectionEngine(calibration: calibration, header: header, stamper: stamper)
        var lazy = LazyDriver(engine: DetectionEngine(calibration: calibration, header: header, stamper: stamper))
        var everyEvents: [Event] = []
        var lastNs: Int64 = 0
        simulation.run { input in
            every.process(input, into: &everyEvents)
            lazy.feed(input)
            lastNs = input.tNs
        }
        every.finish(into: &everyEvents)
        lazy.finish(lastNs: lastNs)
        func key(_ event: Event) -> String { "\(event.type.rawValue) \(event.transition.rawValue) \(event.monoNs)" }
        return Outcome(
            late: lazy.late.map { "\($0.0) raised at \($0.1) ns came out at the wake-up of \($0.2) ns" },
            same: everyEvents.map(key) == lazy.events.map(key), eventCount: everyEvents.count, wakes: lazy.wakes,
            ticks: lastNs / SignalChain.tickNs + 1)
    }

    /// The library without its two long normal-service scenarios (hours of input, which the scenario library's own
    /// test already replays): each of the others holds the faults' timers this checks.
    static var files: [String] {
        ScenarioLibraryTests.files.filter { $0 != "elevator-day-in-the-life.toml" && $0 != "crane-shift.toml" }
    }

    @Test("every event comes out at the wake-up of its own tick, the same events as every tick", arguments: files)
    func scenario(file: String) async throws {
        let path = "\(ScenarioLibraryTests.folder)/\(file)"
        // Seconds of computation: off the cooperative pool, as the scenario library's own test.
        let outcome = try await CPUBoundWork.run { () throws -> Outcome in try Self.drive(path: path) }
        #expect(outcome.late.isEmpty, "\(file): \(outcome.late.prefix(5))")
        #expect(outcome.same, "\(file): the events differ from evaluating every tick")
        #expect(Int64(outcome.wakes) < outcome.ticks, "\(file): \(outcome.wakes) wake-ups for \(outcome.ticks) ticks")
    }

    @Test("at rest the engine asks for no wake-up; a raw edge asks for the tick its debounce settles at")
    func restAndDebounce() throws {
        let calibration = Fixtures.elevator
        let (header, inputs) = try Fixtures.events(calibration, Fixtures.elevatorScenario([.wait(seconds: 5)]))
        var engine = DetectionEngine(
            calibration: calibration, header: header, stamper: .replay(deviceId: calibration.deviceId, seed: 1))
        var events: [Event] = []
        #expect(engine.nextDeadlineNs == 0)
        for input in inputs { engine.process(input, into: &events) }
        let lastNs = inputs.last?.tNs ?? 0
        engine.advance(toNs: LazyDriver.tickAtOrAfter(lastNs) + 1_000_000_000, into: &events)
        #expect(events.isEmpty)
        #expect(engine.nextDeadlineNs == nil)
        // The door opens (its raw level falls) 5 ms after a tick: the debounce (20 ms) settles 25 ms after the tick.
        let tickNs = LazyDriver.tickAtOrAfter(lastNs) + 1_000_000_000
        let doorClosed = header.initialLevel(.doorClosed)
        engine.process(.level(.doorClosed, doorClosed == 1 ? 0 : 1, atNs: tickNs + 5_000_000), into: &events)
        #expect(engine.nextDeadlineNs == tickNs + 10_000_000)
        engine.advance(toNs: tickNs + 10_000_000, into: &events)
        #expect(engine.nextDeadlineNs == tickNs + 30_000_000)
        engine.advance(toNs: tickNs + 30_000_000, into: &events)
        #expect(engine.signals.level(.doorClosed) != doorClosed)
    }
}
