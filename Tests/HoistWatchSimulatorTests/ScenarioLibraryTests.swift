import Foundation
import HoistWatchCore
import HoistWatchSimulator
import HoistWatchTestSupport
import Testing

/// Every scenario of the library, simulated and fed through the detection engine: exactly its `[[expect]]`
/// events must come out (type, transition, time window), no more, no fewer.
@Suite("Scenario library")
struct ScenarioLibraryTests {
    static let folder = Repository.path("Scenarios")

    static var files: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".toml") && $0 != "bench-busy-day.toml" }.sorted()
    }

    @Test("the library has a scenario for every fault of faults.md")
    func coverage() throws {
        var raised: Set<String> = []
        for file in Self.files {
            let scenario = try ScenarioFile.load("\(Self.folder)/\(file)")
            for expectation in scenario.expectations where expectation.transition == .raised {
                raised.insert("\(scenario.equipment.rawValue):\(expectation.type.rawValue)")
            }
        }
        let elevator: [FaultType] = [
            .overspeed, .trappedPassenger, .stoppedOutsideDoorZone, .overload,
            .doorOpenWhileMoving, .overtravelTop, .overtravelBottom, .limitSwitchFailure,
            .powerFailure, .alarmButton, .sensorFault, .inspection,
        ]
        let crane: [FaultType] = [
            .overloadPrewarning, .overload, .overspeed, .limitSwitchFailure, .highWind, .powerFailure,
        ]
        for type in elevator {
            #expect(raised.contains("elevator:\(type.rawValue)"), "no elevator scenario raises \(type)")
        }
        for type in crane { #expect(raised.contains("crane:\(type.rawValue)"), "no crane scenario raises \(type)") }
        #expect(Self.files.count >= 25)
    }

    @Test("replaying the scenario gives exactly its expected events", arguments: files)
    func scenario(file: String) async throws {
        let path = "\(Self.folder)/\(file)"
        // Seconds of computation: off the cooperative pool, so the broker tests beside it do not starve.
        let (inputs, passed, report) = try await CPUBoundWork.run { () throws -> (Int, Bool, String) in
            var simulation = try ScenarioFile.simulation(scenarioPath: path, calibrationPath: nil)
            var engine = DetectionEngine(
                calibration: simulation.calibration, header: simulation.header,
                stamper: .replay(deviceId: simulation.calibration.deviceId, seed: 1))
            var events: [Event] = []
            var inputs = 0
            simulation.run { input in
                inputs += 1
                engine.process(input, into: &events)
            }
            engine.finish(into: &events)
            // Every fault type and its data keys, raised and cleared, for make test's contract validation.
            for event in events {
                ContractSamples.save(topic: "hoistwatch/v1/\(event.deviceId)/event", payload: event.jsonBytes())
            }
            let report = simulation.scenario.verify(events)
            return (inputs, report.passed, "\(report)")
        }
        #expect(inputs > 0)
        #expect(passed, "\(file):\n\(report)")
    }
}

@Suite("Scenario files and expectations")
struct ScenarioFileTests {
    @Test("a bad scenario file is refused naming the file and the key")
    func badFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "bad-\(UInt32.random(in: 0...UInt32.max)).toml"
        ).path
        try "name = \"x\"\nequipment = \"elevator\"\n[[step]]\naction = \"wait\"\nsecs = 3\nseconds = 3\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try ScenarioFile.load(path)
            Issue.record("accepted an unknown key")
        } catch {
            #expect(error.file == path)
            #expect(error.key == "step[0].secs")
            #expect(error.description.contains(path))
        }
    }

    @Test("the calibration a scenario names is found relative to the scenario")
    func calibrationPath() throws {
        var scenario = Scenario(name: "x", equipment: .elevator)
        scenario.calibration = "../Calibration/elevator-example.toml"
        #expect(
            ScenarioFile.calibrationPath(of: scenario, scenarioPath: "/a/Scenarios/x.toml")
                == "/a/Scenarios/../Calibration/elevator-example.toml")
        scenario.calibration = nil
        #expect(ScenarioFile.calibrationPath(of: scenario, scenarioPath: "/a/Scenarios/x.toml") == nil)
    }

    @Test("verify flags missing, extra and late events")
    func verify() {
        var stamper = EventStamper.replay(deviceId: "d", seed: 1)
        func event(_ type: FaultType, _ transition: Transition, _ atS: Double) -> Event {
            stamper.stamp(
                type: type, transition: transition, severity: .alarm, runNs: Int64(atS * 1e9), data: EventData())
        }
        var scenario = Scenario(name: "x", equipment: .elevator)
        scenario.expectations = [
            Expectation(type: .overspeed, transition: .raised, atSMin: 10, atSMax: 20),
            Expectation(type: .overspeed, transition: .cleared, atSMin: 20, atSMax: 30),
        ]
        #expect(scenario.verify([event(.overspeed, .raised, 12), event(.overspeed, .cleared, 25)]).passed)
        let late = scenario.verify([event(.overspeed, .raised, 21), event(.overspeed, .cleared, 25)])
        #expect(!late.passed)
        #expect(late.unmet.count == 1 && late.unexpected.count == 1)
        let extra = scenario.verify([
            event(.overspeed, .raised, 12), event(.overspeed, .cleared, 25), event(.overload, .raised, 26),
        ])
        #expect(extra.unexpected.map(\.type) == [.overload])
        #expect(!scenario.verify([]).passed)
    }
}
