import HoistWatchConfig
import HoistWatchCore
import HoistWatchSimulator
import HoistWatchTestSupport
import Testing

@Suite("Plant simulation")
struct PlantSimulationTests {
    /// Decodes the encoder edges into positions (m from the start) with their times.
    private func positions(_ header: TraceHeader, _ events: [InputEvent], countsPerMeter: Double) -> [(Int64, Double)] {
        var decoder = QuadratureDecoder(initialA: header.initialLevel(.encA), initialB: header.initialLevel(.encB))
        var result: [(Int64, Double)] = []
        for event in events {
            guard let input = event.input, input == .encA || input == .encB else { continue }
            _ = decoder.edge(isA: input == .encA, level: UInt8(event.value), atNs: event.tNs)
            result.append((event.tNs, Double(decoder.count) / countsPerMeter))
        }
        return result
    }

    @Test("events come in non-decreasing time order and every level is 0 or 1")
    func timeOrder() throws {
        let scenario = Fixtures.elevatorScenario([
            .board(passengers: 3, kg: 0), .inject(.chatter(.doorZone, seconds: 1, periodMs: 10)),
            .trip(toLanding: 7, speedMps: nil), .alight(passengers: nil, kg: 0), .trip(toLanding: 2, speedMps: nil),
        ])
        let (_, events) = try Fixtures.events(Fixtures.elevator, scenario)
        #expect(!events.isEmpty)
        for (previous, next) in zip(events, events.dropFirst()) { #expect(previous.tNs <= next.tNs) }
        for event in events where event.input != nil { #expect(event.value == 0 || event.value == 1) }
    }

    @Test("the header names the start position and the levels at t=0, mains present")
    func header() throws {
        let (header, _) = try Fixtures.events(
            Fixtures.elevator, Fixtures.elevatorScenario(start: 3, [.wait(seconds: 1)]))
        #expect(header.equipment == .elevator)
        #expect(header.deviceId == "37010000000000000001")
        #expect(header.initialPositionM == 8)
        #expect(header.initialLevels[.mainsOk] == 1)
        #expect(header.initialLevels[.doorClosed] == 1)
        #expect(header.initialLevels[.doorZone] == 1)
        #expect(header.initialLevels[.occupancy] == 0)
        #expect(header.initialLevels[.topLimit] == 0)
    }

    @Test(
        "normal trips never exceed rated speed, and stop exactly at the landing",
        arguments: [(1, 2), (1, 7), (7, 3), (4, 5)])
    func kinematics(from: Int, to: Int) throws {
        let calibration = Fixtures.elevator
        let (header, events) = try Fixtures.events(
            calibration,
            Fixtures.elevatorScenario(
                start: from,
                [
                    .board(passengers: 2, kg: 0), .trip(toLanding: to, speedMps: nil),
                ]))
        let track = positions(header, events, countsPerMeter: calibration.countsPerMeter)
        let distance = calibration.levelsM[to - 1] - calibration.levelsM[from - 1]
        #expect(abs(track.last!.1 - distance) <= 1 / calibration.countsPerMeter)
        // Speed over 100 ms windows, as the agent measures it.
        var start = 0
        var fastest = 0.0
        for end in track.indices {
            while track[end].0 - track[start].0 > 100_000_000 { start += 1 }
            let span = Double(track[end].0 - track[start].0) / 1e9
            if span > 0.05 { fastest = max(fastest, abs(track[end].1 - track[start].1) / span) }
        }
        #expect(fastest <= calibration.ratedSpeedMps + 0.01)
        #expect(fastest > 0.5)
    }

    @Test("encoder edges = distance x counts_per_meter, A leads B going up, no impossible transitions")
    func encoder() throws {
        let calibration = Fixtures.elevator
        let (header, events) = try Fixtures.events(
            calibration, Fixtures.elevatorScenario([.trip(toLanding: 5, speedMps: nil)]))
        let edges = events.filter { $0.input == .encA || $0.input == .encB }
        #expect(edges.count == Int(15 * calibration.countsPerMeter))
        let firstFour = edges.prefix(4).map { ($0.input!, $0.value) }
        #expect(firstFour.map(\.0) == [.encA, .encB, .encA, .encB])
        #expect(firstFour.map(\.1) == [1, 1, 0, 0])
        var decoder = QuadratureDecoder(initialA: header.initialLevel(.encA), initialB: header.initialLevel(.encB))
        for edge in edges { _ = decoder.edge(isA: edge.input == .encA, level: UInt8(edge.value), atNs: edge.tNs) }
        #expect(decoder.count == 60_000)
        #expect(decoder.errorCount == 0)

        let (downHeader, down) = try Fixtures.events(
            calibration, Fixtures.elevatorScenario(start: 5, [.trip(toLanding: 1, speedMps: nil)]))
        var downDecoder = QuadratureDecoder(
            initialA: downHeader.initialLevel(.encA), initialB: downHeader.initialLevel(.encB))
        for edge in down where edge.input == .encA || edge.input == .encB {
            _ = downDecoder.edge(isA: edge.input == .encA, level: UInt8(edge.value), atNs: edge.tNs)
        }
        #expect(downDecoder.count == -60_000)
        #expect(downDecoder.errorCount == 0)
    }

    @Test("the door zone is present around every landing passed, and only there")
    func doorZone() throws {
        let calibration = Fixtures.elevator
        let (header, events) = try Fixtures.events(
            calibration, Fixtures.elevatorScenario([.trip(toLanding: 7, speedMps: nil)]))
        var decoder = QuadratureDecoder(initialA: 0, initialB: 0)
        var entered: [Double] = []
        var zone = header.initialLevel(.doorZone)
        for event in events {
            switch event.input {
            case .encA?, .encB?:
                _ = decoder.edge(isA: event.input == .encA, level: UInt8(event.value), atNs: event.tNs)
            case .doorZone?:
                let position = Double(decoder.count) / calibration.countsPerMeter
                let nearest = calibration.levelsM.min { abs($0 - position) < abs($1 - position) }!
                #expect(abs(position - nearest) <= calibration.doorZoneHalfM)
                zone = UInt8(event.value)
                if zone == 1 { entered.append(nearest) }
            default:
                break
            }
        }
        #expect(entered == Array(calibration.levelsM.dropFirst()))
        #expect(zone == 1)
    }

    @Test("the HX711 samples at 10 Hz and its noise never freezes the raw value")
    func loadCell() throws {
        let (_, events) = try Fixtures.events(
            Fixtures.elevator,
            Fixtures.elevatorScenario([
                .board(passengers: 4, kg: 0), .wait(seconds: 30),
            ]))
        let samples = events.filter { if case .adc = $0.source { return true } else { return false } }
        let durationS = Double(events.last!.tNs) / 1e9
        #expect(abs(Double(samples.count) - durationS * 10) <= 1)
        for (previous, next) in zip(samples, samples.dropFirst()) { #expect(next.tNs - previous.tNs == 100_000_000) }
        var longestRun = 1
        var run = 1
        for (previous, next) in zip(samples, samples.dropFirst()) {
            run = previous.value == next.value ? run + 1 : 1
            longestRun = max(longestRun, run)
        }
        #expect(longestRun < 10)
        // Four people of 55-95 kg: the raw value follows the load.
        let kg = (Double(samples.last!.value) - 84000) / 21.5
        #expect(kg > 200 && kg < 400)
    }

    @Test("the same seed gives the same trace; another seed another one")
    func determinism() async throws {
        // Seconds of computation: off the cooperative pool, so the broker tests beside it do not starve.
        let (same, different) = try await CPUBoundWork.run {
            let scenario = Fixtures.elevatorScenario([.service(hours: 0.1, tripsPerHour: 60, maxPassengers: 6)])
            let (_, first) = try Fixtures.events(Fixtures.elevator, scenario, seed: 9)
            let (_, second) = try Fixtures.events(Fixtures.elevator, scenario, seed: 9)
            let (_, other) = try Fixtures.events(Fixtures.elevator, scenario, seed: 10)
            return (first == second, first != other)
        }
        #expect(same)
        #expect(different)
    }

    @Test("incremental advance gives the same events as running to the end")
    func incremental() throws {
        let scenario = Fixtures.elevatorScenario([.board(passengers: 1, kg: 0), .trip(toLanding: 3, speedMps: nil)])
        let (_, whole) = try Fixtures.events(Fixtures.elevator, scenario)
        var simulation = try PlantSimulation(calibration: Fixtures.elevator, scenario: scenario, seed: 5)
        var pieces: [InputEvent] = []
        var untilNs: Int64 = 0
        while simulation.advance(
            untilNs: untilNs,
            emit: { event in
                #expect(event.tNs <= untilNs)
                pieces.append(event)
            })
        {
            untilNs += 7_300_000
        }
        let firstDifference = zip(pieces, whole).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(
            firstDifference == nil,
            "first difference at event \(firstDifference?.offset ?? -1): \(String(describing: firstDifference?.element))"
        )
        #expect(pieces.count == whole.count)
    }

    @Test("crane: limits cut hoisting at upper_limit_m, both actuate, wind pulses follow the wind")
    func crane() throws {
        let scenario = Scenario(
            name: "crane", equipment: .crane, startHeightM: 15,
            steps: [
                ScenarioStep(.wind(mps: 14, gustMps: 0)), ScenarioStep(.wait(seconds: 30)),
                ScenarioStep(.move(toM: 19, speedMps: nil)), ScenarioStep(.wait(seconds: 2)),
            ])
        let (header, events) = try Fixtures.events(Fixtures.crane, scenario)
        var decoder = QuadratureDecoder(initialA: header.initialLevel(.encA), initialB: header.initialLevel(.encB))
        var actuatedAt: [InputName: Double] = [:]
        var rises: [Int64] = []
        for event in events {
            switch event.input {
            case .encA?, .encB?:
                _ = decoder.edge(isA: event.input == .encA, level: UInt8(event.value), atNs: event.tNs)
            case .upperLimit1?, .upperLimit2?:
                if event.value == 1 { actuatedAt[event.input!] = 15 + Double(decoder.count) / 2000 }
            case .windPulse?:
                if event.value == 1 { rises.append(event.tNs) }
            default:
                break
            }
        }
        let finalHeight = 15 + Double(decoder.count) / 2000
        #expect(abs(actuatedAt[.upperLimit1]! - 18) < 0.01)
        #expect(abs(actuatedAt[.upperLimit2]! - 18) < 0.02)
        #expect(finalHeight > 18 && finalHeight < 18.1)
        // After 20 s of settling, 14 m/s at 0.7 m/s per Hz is 20 pulses a second.
        let late = rises.filter { $0 >= 20_000_000_000 && $0 < 30_000_000_000 }
        #expect(abs(Double(late.count) / 10 - 20) < 1.5)
    }

    @Test(
        "bad scenarios are refused with the key that is wrong",
        arguments: [
            (
                "name = \"x\"\nequipment = \"elevator\"\n[[step]]\naction = \"trip\"\nto_landing = 2\nspeed = 3\n",
                "step[0].speed"
            ),
            ("name = \"x\"\nequipment = \"elevator\"\n[[step]]\naction = \"fly\"\n", "step[0].action"),
            (
                "name = \"x\"\nequipment = \"elevator\"\n[[step]]\naction = \"inject\"\nfault = \"gremlins\"\n",
                "step[0].fault"
            ),
            ("name = \"x\"\nequipment = \"elevator\"\n[[step]]\naction = \"wait\"\nseconds = -1\n", "step[0].seconds"),
            (
                "name = \"x\"\nequipment = \"elevator\"\n[[step]]\naction = \"wait\"\nseconds = \"ten\"\n",
                "step[0].seconds"
            ),
            ("name = \"x\"\nequipment = \"lift\"\n[[step]]\naction = \"wait\"\nseconds = 1\n", "equipment"),
            ("name = \"x\"\nequipment = \"elevator\"\n[[step]]\naction = \"attach\"\nkg = 5\n", "step[0].action"),
            ("name = \"x\"\nequipment = \"elevator\"\nsed = 4\n[[step]]\naction = \"wait\"\nseconds = 1\n", "sed"),
            (
                "name = \"x\"\nequipment = \"elevator\"\n[[step]]\naction = \"wait\"\nseconds = 1\n[[expect]]\ntype = \"fire\"\nat_s_min = 0\nat_s_max = 1\n",
                "expect[0].type"
            ),
            (
                "name = \"x\"\nequipment = \"elevator\"\n[[step]]\naction = \"wait\"\nseconds = 1\n[[expect]]\ntype = \"overspeed\"\nat_s_min = 5\nat_s_max = 1\n",
                "expect[0].at_s_max"
            ),
            ("equipment = \"elevator\"\n[[step]]\naction = \"wait\"\nseconds = 1\n", "name"),
        ])
    func badScenario(text: String, key: String) {
        #expect {
            _ = try Scenario.parse(toml: text)
        } throws: { error in
            (error as? InputError)?.key == key
        }
    }

    @Test("scenario checks against the calibration name the key")
    func badAgainstCalibration() throws {
        let trip = try Scenario.parse(
            toml: "name = \"x\"\nequipment = \"elevator\"\n[[step]]\naction = \"trip\"\nto_landing = 9\n")
        #expect(throws: InputError.self) {
            _ = try PlantSimulation(calibration: Fixtures.elevator, scenario: trip, seed: 1)
        }
        do {
            _ = try PlantSimulation(calibration: Fixtures.elevator, scenario: trip, seed: 1)
        } catch {
            #expect(error.key == "step[0].to_landing")
            #expect(error.description.contains("landings 1 to 7"))
        }
        let crane = try Scenario.parse(
            toml: "name = \"x\"\nequipment = \"crane\"\nstart_height_m = 3\n[[step]]\naction = \"wait\"\nseconds = 1\n")
        do {
            _ = try PlantSimulation(calibration: Fixtures.elevator, scenario: crane, seed: 1)
            Issue.record("a crane scenario ran on an elevator calibration")
        } catch {
            #expect(error.key == "equipment")
        }
    }
}
