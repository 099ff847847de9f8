import ArgumentParser
import HoistWatchCore

#if canImport(Glibc)
import Glibc
#endif

/// `hoistwatch calibrate load --config SITE.toml --test-kg KG`: tare with the car empty, span with a known test
/// weight, both read from the running agent's load cell once the reading has settled with the car at rest;
/// writes `load.raw_zero` and `load.raw_per_kg` into the calibration file (comments kept, old file backed up).
struct CalibrateLoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "Load-cell wizard: tare (empty car) and span (known test weight).")

    @Option(help: "Site config (TOML): names the calibration file and the agent's state folder.") var config: String
    @Option(help: "The test weight put in the car for the span, kg.") var testKg: Double
    @Option(help: "The agent's diag socket (default: diag.sock in the config's state_dir).") var socket: String?
    @Option(help: "Seconds the reading must stay steady before it is taken.") var settleS: Double = 3
    @Option(help: "Seconds to wait for each reading before giving up.") var timeoutS: Double = 300

    func run() throws {
        let wizard = try CalibrationWizard(config: config, socket: socket)
        try wizard.require([], adc: .load, for: "the load wizard")
        guard testKg > 0, testKg.isFinite else {
            throw CLIExit.badInput(InputError(.invalidValue, key: "--test-kg", "must be more than 0 kg, got \(testKg)"))
        }
        let old = wizard.calibration
        // Steady means within 2 kg by the current calibration (and never tighter than 20 counts): tight enough
        // for a 0.1 % span, loose enough for an HX711's noise.
        let tolerance = max(20, 2 * abs(old.loadRawPerKg))
        _ = try wizard.report()  // the agent is there before anyone is asked to do anything

        try wizard.waitForEnter("Step 1 of 2: empty the car, close the doors and leave it at rest.")
        let empty = try settle(wizard, tolerance: tolerance, awayFrom: nil)
        wizard.say(
            "  empty car: \(FixedPoint.format(empty.value, decimals: 1)) counts "
                + "(spread \(FixedPoint.format(empty.spread, decimals: 1)))")

        try wizard.waitForEnter(
            "Step 2 of 2: put the \(CalibrationWizard.toml(testKg, decimals: 3)) kg test weight in the car, close the doors."
        )
        let loaded = try settle(wizard, tolerance: tolerance, awayFrom: (empty.value, max(20 * empty.spread, 20)))
        wizard.say(
            "  with the test weight: \(FixedPoint.format(loaded.value, decimals: 1)) counts "
                + "(spread \(FixedPoint.format(loaded.spread, decimals: 1)))")

        let span: LoadSpan
        do {
            span = try LoadSpan.fit(
                emptyRaw: empty.value, loadedRaw: loaded.value, testKg: testKg,
                noise: max(empty.spread, loaded.spread))
        } catch {
            throw wizard.fail(error.description)
        }
        let zero = CalibrationWizard.toml(span.rawZero, decimals: 0)
        let perKg = CalibrationWizard.toml(span.rawPerKg, decimals: 4)
        wizard.say("raw_zero:   \(CalibrationWizard.toml(old.loadRawZero, decimals: 4)) -> \(zero)")
        wizard.say("raw_per_kg: \(CalibrationWizard.toml(old.loadRawPerKg, decimals: 4)) -> \(perKg)")
        try wizard.write([
            .init(section: "load", key: "raw_zero", value: zero),
            .init(section: "load", key: "raw_per_kg", value: perKg),
        ])
    }

    /// Waits for the agent's raw load to settle with the car at rest (and, for the span, to have moved well away
    /// from the empty reading); returns the settled mean and its spread.
    private func settle(
        _ wizard: CalibrationWizard, tolerance: Double, awayFrom: (value: Double, by: Double)?
    )
        throws -> (value: Double, spread: Double)
    {
        var reading = SettledReading(windowNs: Int64(settleS * 1e9), tolerance: tolerance)
        let clock = ContinuousClock()
        let start = clock.now
        var lastNote = ""
        func note(_ text: String) {
            if text != lastNote { wizard.say("  " + text) }
            lastNote = text
        }
        while true {
            let now = clock.now
            let elapsedNs = Self.nanoseconds(start.duration(to: now))
            if Double(elapsedNs) > timeoutS * 1e9 {
                throw wizard.fail("the load reading did not settle within \(Int(timeoutS)) s (\(lastNote))")
            }
            let report = try wizard.report()
            let speed = abs(report.speedMps)
            guard let raw = report.raw.loadRaw else {
                // A freshly started agent has no sample yet; a load cell that never answers is said after 5 s.
                if elapsedNs > 5_000_000_000 {
                    throw wizard.fail(
                        "the agent has no load reading: the load cell does not answer (check its "
                            + "wiring, or run `hoistwatch selftest`)")
                }
                note("waiting for the first load reading")
                Console.sleep(milliseconds: CalibrationWizard.pollMs)
                continue
            }
            if speed > 0.02 {
                note("the car is moving: waiting for it to stop")
                reading.reset()
            } else if let away = awayFrom, abs(raw - away.value) < away.by {
                note("the reading has not changed from the empty car yet: waiting for the weight")
                reading.reset()
            } else {
                reading.add(raw, atNs: elapsedNs)
                if let value = reading.settledValue { return (value, reading.spread) }
                note("waiting for the reading to settle")
            }
            Console.sleep(milliseconds: CalibrationWizard.pollMs)
        }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}
