import ArgumentParser
import HoistWatchAgent
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
    static let restNs: Int64 = 1_000_000_000

    func run() throws {
        let wizard = try CalibrationWizard(config: config, socket: socket)
        let calibration = wizard.calibration
        guard calibration.equipment == .elevator else {
            throw CLIExit.badInput(
                InputError(
                    .invalidValue, file: wizard.site.calibrationPath, key: "equipment.kind",
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
            throw wizard.fail(
                "the door zone sensor says the car is not in a door zone: bring it level with the "
                    + "bottom landing (or check the door_zone wiring with `hoistwatch selftest`)")
        }
        let startCount = Self.encoderCount(report)
        var lastMark = Self.marks(report).last?.n ?? 0
        let runs = report.boardRuns
        var learning = FloorLearning(
            startCount: startCount, countsPerMeter: calibration.countsPerMeter,
            nominalZoneHalfM: calibration.doorZoneHalfM)
        wizard.say("Now drive the car UP to the top landing (\(expected) landings in all), in one run or stopping on")
        wizard.say("the way, and stop it level with the top landing. The wizard ends by itself there.")

        let clock = ContinuousClock()
        let start = clock.now
        var restingSince: Int64?
        while true {
            let now = CalibrateLoadCommand.nanoseconds(start.duration(to: clock.now))
            if Double(now) > timeoutS * 1e9 {
                throw wizard.fail(
                    "the run did not reach landing \(expected) within \(Int(timeoutS)) s "
                        + "(\(learning.landingsSeen) door zones seen)")
            }
            Console.sleep(milliseconds: CalibrationWizard.pollMs)
            report = try wizard.report()
            if report.boardRuns != runs {
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
                    let metres = Double(numbered.mark.encoderCount - startCount) / calibration.countsPerMeter
                    wizard.say(
                        "  landing \(learning.landingsSeen): door zone entered at "
                            + "\(FixedPoint.format(metres, decimals: 3)) m")
                }
            }
            if learning.landingsSeen > expected {
                throw wizard.fail(
                    "\(learning.landingsSeen) door zones seen but \(expected) landings expected "
                        + "(pass --landings if the building has more)")
            }
            let speed = abs(report.speedMps)
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
            let old =
                index < calibration.levelsM.count
                ? FixedPoint.format(calibration.levelsM[index], decimals: 3, width: 9) : "        -"
            wizard.say(
                FixedPoint.format(Double(index + 1), decimals: 0, width: 7) + "  " + old + "  "
                    + FixedPoint.format(level, decimals: 3, width: 9))
        }
        if let half = result.measuredZoneHalfM {
            // The magnet should be a little shorter than the calibrated zone, never longer, nor much shorter.
            let note =
                half > calibration.doorZoneHalfM || half < 0.7 * calibration.doorZoneHalfM
                ? " (the calibration says \(FixedPoint.format(calibration.doorZoneHalfM, decimals: 3)) m: "
                    + "check door_zone_half_m)" : ""
            wizard.say("door zones measured: +-\(FixedPoint.format(half, decimals: 3)) m\(note)")
        }
        wizard.say(
            "the car stood \(FixedPoint.format(result.startOffsetM, decimals: 3, sign: true)) m from the bottom "
                + "level at the start, \(FixedPoint.format(result.endOffsetM, decimals: 3, sign: true)) m from the "
                + "top level at the end")
        let levels = "[" + result.levelsM.map { CalibrationWizard.toml($0, decimals: 3) }.joined(separator: ", ") + "]"
        try wizard.write([.init(section: "floors", key: "levels_m", value: levels)])
    }

    private static func encoderCount(_ report: DiagnosticsSnapshot) -> Int64 {
        report.raw.encoderCount
    }

    private static func marks(_ report: DiagnosticsSnapshot) -> [(n: Int64, mark: DoorZoneMark)] {
        report.raw.doorZoneMarks.compactMap { item in
            guard item.level == 0 || item.level == 1 else { return nil }
            return (item.n, DoorZoneMark(level: item.level, encoderCount: item.encoderCount, tNs: 0))
        }
    }
}
