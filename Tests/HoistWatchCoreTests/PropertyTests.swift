import HoistWatchTestSupport
import PropertyBased
import Testing

@testable import HoistWatchCore

/// Invariants over random inputs: normal service is quiet; sustained overspeed is always caught.
@Suite struct PropertyTests {
    /// A random day-in-the-life fragment: trips between random landings at or below rated speed, doors opening
    /// at each landing, passengers in and out within rated load.
    private func normalService(seed: UInt64, trips: Int) -> InputScript {
        var random = SplitMix64(seed: seed)
        var script = InputScript.elevator(positionM: 0, levels: [.doorZone: 1, .doorClosed: 1])
        let levels = script.calibration.levelsM
        var landing = 0
        var t = 1.0
        var loadKg = 0.0
        for _ in 0..<trips {
            var target = Int(random.next() % UInt64(levels.count))
            if target == landing { target = (landing + 1) % levels.count }
            let direction = levels[target] > levels[landing] ? 1.0 : -1.0
            let distance = abs(levels[target] - levels[landing])
            let cruise = 0.5 + Double(random.next() % 125) / 100  // 0.5 ... 1.74 m/s
            script.set(.doorClosed, 1, atS: t)
            t += 1
            script.move(fromS: t, durationS: 0.15 / 0.3, speedMps: 0.3 * direction)
            t += 0.5
            script.set(.doorZone, 0, atS: t)
            let middle = distance - 0.3
            script.move(fromS: t, durationS: middle / cruise, speedMps: cruise * direction)
            t += middle / cruise
            script.set(.doorZone, 1, atS: t)
            script.move(fromS: t, durationS: 0.5, speedMps: 0.3 * direction)
            t += 1
            script.set(.doorClosed, 0, atS: t)
            let before = loadKg
            loadKg = Double(random.next() % 900)
            script.set(.occupancy, loadKg > 0 ? 1 : 0, atS: t + 1)
            script.load(kg: before, fromS: t - 3 - middle / cruise, toS: t + 1)
            script.load(kg: loadKg, fromS: t + 1, toS: t + 4)
            t += 4
            landing = target
        }
        return script
    }

    @Test func randomNormalServiceNeverRaisesAnything() async {
        await propertyCheck(count: 25, input: Gen.uint64(in: 0...UInt64.max), Gen.int(in: 1...12)) { seed, trips in
            // Seconds of computation: off the cooperative pool, so the broker tests beside it do not starve.
            let transitions = try? await CPUBoundWork.run {
                let script = normalService(seed: seed, trips: trips)
                let events = script.run(untilS: script.sortedEvents().last.map { Double($0.tNs) / 1e9 + 1 } ?? 1)
                return events.transitions
            }
            #expect(transitions?.isEmpty == true, "seed \(seed): \(transitions ?? [])")
        }
    }

    @Test func sustainedOverspeedIsAlwaysRaised() async {
        let limit = 1.15 * 1.75
        await propertyCheck(
            count: 40, input: Gen.double(in: (limit + 0.02)...4.0), Gen.double(in: 0.35...3.0),
            Gen.bool
        ) { speed, duration, down in
            var script = InputScript.elevator(positionM: 6.4)
            script.move(fromS: 1, durationS: duration, speedMps: down ? -speed : speed)
            let events = script.run(untilS: 1 + duration + 3)
            #expect(events.first(.overspeed, .raised) != nil, "speed \(speed) for \(duration) s")
            #expect(events.first(.overspeed, .cleared) != nil)
        }
    }
}
