import Foundation
import HoistWatchConfig
import Testing

@testable import HoistWatchCore

@Suite struct CalibrationTests {
    static let elevator = """
        [equipment]
        kind = "elevator"
        device_id = "37010000000000000001"
        [encoder]
        counts_per_meter = 4000.0
        [load]
        raw_zero = 84000
        raw_per_kg = 21.5
        rated_kg = 1000.0
        [motion]
        rated_speed_mps = 1.75
        [floors]
        levels_m = [0.0, 3.2, 6.4, 9.6, 12.8]
        door_zone_half_m = 0.15
        [wiring]
        inputs = ["enc_a", "enc_b", "door_closed", "door_zone", "occupancy", "mains_ok"]
        adc = ["load"]
        [thresholds]
        trapped_after_s = 20
        """

    @Test func parsesTheSpecExample() throws {
        let calibration = try Calibration.parse(toml: Self.elevator)
        #expect(calibration.equipment == .elevator)
        #expect(calibration.levelsM == [0, 3.2, 6.4, 9.6, 12.8])
        #expect(calibration.thresholds.trappedAfterS == 20)
        #expect(calibration.thresholds.overloadConfirmMs == 1000)
        #expect(!calibration.wiredInputs.contains(.topLimit))
        let plan = DetectorPlan(calibration: calibration)
        #expect(!plan.isOn(.limitSwitchFailure))
        #expect(!plan.isOn(.alarmButton))
        #expect(plan.isOn(.trappedPassenger))
    }

    @Test(arguments: [
        ("counts_per_meter = 4000.0", "counts_per_meter = 0", "encoder.counts_per_meter"),
        ("rated_kg = 1000.0", "rated_kg = -5", "load.rated_kg"),
        ("[0.0, 3.2, 6.4, 9.6, 12.8]", "[0.0, 6.4, 3.2]", "floors.levels_m"),
        ("trapped_after_s = 20", "trapped_afer_s = 20", "thresholds.trapped_afer_s"),
        ("trapped_after_s = 20", "trapped_after_s = \"20\"", "thresholds.trapped_after_s"),
        ("rated_speed_mps = 1.75", "", "motion.rated_speed_mps"),
        ("\"mains_ok\"]", "\"wind_pulse\"]", "wiring.inputs[5]"),
        ("\"mains_ok\"]", "\"mains_ok\", \"mains_ok\"]", "wiring.inputs[6]"),
        ("kind = \"elevator\"", "kind = \"escalator\"", "equipment.kind"),
        ("door_zone_half_m = 0.15", "door_zone_half_m = 2.0", "floors.door_zone_half_m"),
    ])
    func refusesWithTheKeyAndReason(original: String, replacement: String, key: String) {
        let text = Self.elevator.replacingOccurrences(of: original, with: replacement)
        do {
            _ = try Calibration.parse(toml: text)
            Issue.record("accepted \(replacement)")
        } catch {
            #expect(error.key == key, "\(error)")
            #expect(!error.message.isEmpty)
        }
    }

    @Test func syntaxErrorsCarryTheLine() {
        do {
            _ = try Calibration.parse(toml: "[equipment]\nkind = \n")
            Issue.record("accepted")
        } catch {
            #expect(error.code == .syntax)
            #expect(error.line == 2)
        }
    }

    @Test func parsesACrane() throws {
        let text = """
            [equipment]
            kind = "crane"
            device_id = "37010000000000000101"
            [encoder]
            counts_per_meter = 2000.0
            [load]
            raw_zero = 12000
            raw_per_kg = 2.0
            rated_kg = 10000.0
            [motion]
            rated_hoist_speed_mps = 0.5
            [travel]
            upper_limit_m = 18.0
            lower_limit_m = 0.5
            [wind]
            mps_per_hz = 0.7
            [wiring]
            inputs = ["enc_a", "enc_b", "hoist_up_cmd", "hoist_down_cmd", "upper_limit_1",
                      "upper_limit_2", "lower_limit", "wind_pulse", "mains_ok"]
            adc = ["load"]
            """
        let calibration = try Calibration.parse(toml: text)
        #expect(calibration.thresholds.overloadConfirmMs == 500)
        #expect(calibration.upperLimitM == 18)
        #expect(DetectorPlan(calibration: calibration).isOn(.highWind))
    }
}
