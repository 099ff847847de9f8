import ArgumentParser
import Foundation
import HoistWatchCore

#if canImport(Glibc)
import Glibc
#endif

/// `hoistwatch calibrate floors --config SITE.toml`: the learning run. The car stands level at the bottom
/// landing; the technician drives it up to the top landing (in one run or stopping on the way); every door zone
/// passed is located by the encoder counts at its edges (`FloorLearning`), and `floors.levels_m` is written
/// into the calibration file (comments kept, old file backed up).
struct CalibrateFloorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "floors", abstract: "Floor-learning run: bottom to top landing, writes floors.levels_m.")

    @Option(help: "Site config (TOML): names the calibration file and the agent's state folder.") var config: String
    @Option(help: "Number of landings (default: as many as the calibration's levels_m has).") var landings: Int?
    @Option(help: "The agent's diag socket (default: diag.sock in the config's state_dir).") var socket: String?
    @Option(help: "Seconds the whole run may take before the wizard gives up.") var timeoutS: Double = 900
    /// How long the car must stand still in the top door zone to end the run.
    static let restNs: UInt64 = 1_000_000_000

    func run() throws {
        let wizard = try CalibrationWizard(config: config, socket: socket)
        let calibration = wizard.calibration
        guard calibration.equipment == .elevator else {
            throw CLIExit.badInput(InputError(.invalidValue, file: wizard.site.calibrationPath, key: "equipment.kind",
                                              "the floor wizard is for elevators; this calibration is a crane's"))
        }
        try wizard.require([.encA, .encB, .doorZone], for: "the floor wizard")
        let expected = landings ?? calibration.levelsM.count
        guard expected >= 2 else {
            throw CLIExit.badInput(InputError(.invalidValue, key: "--landings", "needs at least 2, got \(expected)"))
        }
        _ = try wizard.report()

        try wizard.waitForEnter("Bring the car to the BOTTOM landing, level with the floor, doors closed.")
        var report = try wizard.report()
        guard CalibrationWizard.level(report, .doorZone) == 1 else {
            throw wizard.fail("the door zone sensor says the car is not in a door zone: bring it level with the "
                              + "bottom landing (or check the door_zone wiring with `hoistwatch selftest`)")
        }
        let startCount = Self.encoderCount(report)
        var lastMark = Self.marks(report).last?.n ?? 0
        let runs = report["board_runs"] as? Int
        var learning = FloorLearning(startCount: startCount, countsPerMeter: calibration.countsPerMeter,
                                     nominalZoneHalfM: calibration.doorZoneHalfM)
        wizard.say("Now drive the car UP to the top landing (\(expected) landings in all), in one run or stopping on")
        wizard.say("the way, and stop it level with the top landing. The wizard ends by itself there.")

        let start = DispatchTime.now().uptimeNanoseconds
        var restingSince: UInt64?
        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            if Double(now - start) > timeoutS * 1e9 {
                throw wizard.fail("the run did not reach landing \(expected) within \(Int(timeoutS)) s "
                                  + "(\(learning.landingsSeen) door zones seen)")
            }
            usleep(CalibrationWizard.pollInterval)
            report = try wizard.report()
            if let runs, report["board_runs"] as? Int != runs {
                throw wizard.fail("the agent restarted its input source during the run: start again")
            }
            for numbered in Self.marks(report) where numbered.n > lastMark {
                if numbered.n > lastMark + 1 {
                    throw wizard.fail("door-zone changes came too fast to follow: drive the car slower")
                }
                lastMark = numbered.n
                let before = learning.landingsSeen
                do {
                    try learning.add(numbered.mark)
                } catch {
                    throw wizard.fail(error.description)
                }
                if learning.landingsSeen > before {
                    wizard.say(String(format: "  landing %d: door zone entered at %.3f m", learning.landingsSeen,
                                      Double(numbered.mark.encoderCount - startCount) / calibration.countsPerMeter))
                }
            }
            if learning.landingsSeen > expected {
                throw wizard.fail("\(learning.landingsSeen) door zones seen but \(expected) landings expected "
                                  + "(pass --landings if the building has more)")
            }
            let speed = abs(CalibrationWizard.number(report, "speed_mps") ?? 1)
            if learning.landingsSeen == expected, learning.insideZone, speed < 0.005 {
                restingSince = restingSince ?? now
                if now - restingSince! >= Self.restNs { break }
            } else {
                restingSince = nil
            }
        }

        let result: FloorLearning.Result
        do {
            result = try learning.result(endCount: Self.encoderCount(report))
        } catch {
            throw wizard.fail(error.description)
        }
        wizard.say("")
        wizard.say("landing  old level  new level")
        for (index, level) in result.levelsM.enumerated() {
            let old = index < calibration.levelsM.count
                ? String(format: "%9.3f", calibration.levelsM[index]) : "        -"
            wizard.say(String(format: "%7d  %@  %9.3f", index + 1, old, level))
        }
        if let half = result.measuredZoneHalfM {
            // The magnet should be a little shorter than the calibrated zone, never longer, nor much shorter.
            let note = half > calibration.doorZoneHalfM || half < 0.7 * calibration.doorZoneHalfM
                ? String(format: " (the calibration says %.3f m: check door_zone_half_m)", calibration.doorZoneHalfM) : ""
            wizard.say(String(format: "door zones measured: +-%.3f m%@", half, note))
        }
        wizard.say(String(format: "the car stood %+.3f m from the bottom level at the start, %+.3f m from the top "
                          + "level at the end", result.startOffsetM, result.endOffsetM))
        let levels = "[" + result.levelsM.map { CalibrationWizard.toml($0, decimals: 3) }.joined(separator: ", ") + "]"
        try wizard.write([.init(section: "floors", key: "levels_m", value: levels)])
    }

    private static func encoderCount(_ report: [String: Any]) -> Int64 {
        (CalibrationWizard.raw(report)["encoder_count"] as? NSNumber)?.int64Value ?? 0
    }

    private static func marks(_ report: [String: Any]) -> [(n: Int64, mark: DoorZoneMark)] {
        let list = CalibrationWizard.raw(report)["door_zone_marks"] as? [[String: Any]] ?? []
        return list.compactMap { item in
            guard let n = (item["n"] as? NSNumber)?.int64Value, let level = (item["level"] as? NSNumber)?.uint8Value,
                  let count = (item["encoder_count"] as? NSNumber)?.int64Value else { return nil }
            return (n, DoorZoneMark(level: level, encoderCount: count, tNs: 0))
        }
    }
}
