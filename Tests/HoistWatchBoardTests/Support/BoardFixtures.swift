import Foundation
import HoistWatchBoard
import HoistWatchBoardTestKit
import HoistWatchConfig
import HoistWatchCore
import HoistWatchTestSupport
import InMemoryLogging
import Logging

/// A fake board with one chip of 58 lines (a BCM2711's count) under a label no other test uses, and the backend
/// on it.
struct FakeRig {
    let board: FakeGpioBoard
    let label: String
    let logs = InMemoryLogHandler()

    /// `listed: false`: the board's chip is found by its path only (`FakeGpioBoard.listed`), for tests that count
    /// the calls made on it.
    init(callCostNs: Int64 = 1_000, lineCount: UInt32 = 58, listed: Bool = true) {
        label = FakeGpioBoard.uniqueLabel("pinctrl-bcm2711")
        board = FakeGpioBoard(
            chips: [.init(name: "gpiochip-" + label, label: label, lineCount: lineCount)], callCostNs: callCostNs,
            listed: listed)
    }

    var logger: Logger {
        let handler = logs
        return Logger(label: "test") { _ in handler }
    }

    /// A line of this rig's chip.
    func line(_ offset: UInt32, activeLow: Bool = false, bias: BoardProfile.Bias = .pullUp) -> BoardProfile.Line {
        BoardProfile.Line(chip: .label(label), offset: offset, activeLow: activeLow, bias: bias)
    }

    /// The encoder on lines 17/27 and door_zone on 23 (active-low), like the Raspberry Pi profiles.
    var profile: BoardProfile {
        BoardProfile(inputs: [.encA: line(17), .encB: line(27), .doorZone: line(23, activeLow: true)])
    }

    /// A shipped profile with its chip label replaced by this rig's.
    func shipped(_ name: String) throws -> BoardProfile {
        let path = Repository.path("Board/profiles/\(name).toml")
        var profile = try BoardProfile.parse(toml: String(contentsOfFile: path, encoding: .utf8))
        for (input, line) in profile.inputs {
            profile.inputs[input] = BoardProfile.Line(
                chip: .label(label), offset: line.offset, activeLow: line.activeLow, bias: line.bias)
        }
        return profile
    }

    func backend(
        _ inputs: Set<InputName> = [.encA, .encB, .doorZone], profile: BoardProfile? = nil,
        options: GpioInputBackend.Options = GpioInputBackend.Options()
    ) throws(GpioError) -> GpioInputBackend {
        try GpioInputBackend(
            profile: profile ?? self.profile, inputs: inputs, source: board.source,
            options: options, logger: logger)
    }

    /// Encoder edges on lines 17/27 of this rig's chip.
    func encoder(startNs: Int64) -> QuadratureScript {
        QuadratureScript(chip: label, lineA: 17, lineB: 27, startNs: startNs)
    }

    func edge(
        _ offset: UInt32, atNs: Int64, level: UInt8, reported: Bool = true, latencyNs: Int64 = 0
    )
        -> FakeGpioBoard.Edge
    {
        FakeGpioBoard.Edge(
            chip: label, offset: offset, atNs: atNs, level: level, reported: reported,
            latencyNs: latencyNs)
    }
}

enum BoardFixtures {
    /// Drives `backend` until the board has served every scripted edge, then `extraPumps` more turns (each an
    /// idle 100 ms of virtual time, for resyncs), then flushes. Returns every event and the last counters.
    static func drain(
        _ backend: GpioInputBackend, _ board: FakeGpioBoard, extraPumps: Int = 0,
        between: () -> Void = {}
    ) throws -> (events: [InputEvent], counters: GpioInputCounters) {
        var events: [InputEvent] = []
        var turns = 0
        while !board.isExhausted {
            events += try backend.pump().events
            between()
            turns += 1
            precondition(turns < 10_000_000, "the backend does not make progress")
        }
        for _ in 0..<extraPumps { events += try backend.pump().events }
        let last = backend.flush()
        events += last.events
        return (events, last.counters)
    }
}

extension Array where Element == InputEvent {
    /// The events of one input, as (time, level).
    func of(_ input: InputName) -> [(Int64, UInt8)] {
        compactMap { event in
            guard case .line(let name) = event.source, name == input else { return nil }
            return (event.tNs, UInt8(event.value))
        }
    }

    /// Whether times never go back.
    var isTimeOrdered: Bool { zip(self, dropFirst()).allSatisfy { $0.tNs <= $1.tNs } }

    /// The x4 count and error count the core's decoder makes of the encoder events.
    func decoded(initialA: UInt8 = 0, initialB: UInt8 = 0) -> (count: Int64, errors: Int64) {
        var decoder = QuadratureDecoder(initialA: initialA, initialB: initialB)
        for event in self {
            guard case .line(let input) = event.source, input == .encA || input == .encB else { continue }
            _ = decoder.edge(isA: input == .encA, level: UInt8(event.value), atNs: event.tNs)
        }
        return (decoder.count, decoder.errorCount)
    }
}
