import HoistWatchCore
import Testing

@testable import HoistWatchConfig

/// Editing a calibration file's text without losing its comments (the calibration wizards' last step).
@Suite struct TOMLTextEditTests {
    static let original = """
        # Calibration of car A. Keep this comment.

        [equipment]
        kind = "elevator"
        device_id = "37010000000000000001"

        [load]
        raw_zero = 84000                       # HX711 counts, empty car
        raw_per_kg = 21.5
        rated_kg = 1000.0   # nameplate

        [floors]
        # measured by hand in 2024
        levels_m = [0.0, 3.2,
                    6.4, 9.6]  # four landings
        door_zone_half_m = 0.15

        """

    @Test func replacesValuesKeepingCommentsAndLayout() {
        let edited = TOMLTextEdit.apply(
            [
                .init(section: "load", key: "raw_zero", value: "84123"),
                .init(section: "load", key: "raw_per_kg", value: "21.37"),
                .init(section: "floors", key: "levels_m", value: "[0.0, 3.3, 6.45, 9.7]"),
            ], to: Self.original)
        #expect(
            edited == """
                # Calibration of car A. Keep this comment.

                [equipment]
                kind = "elevator"
                device_id = "37010000000000000001"

                [load]
                raw_zero = 84123                       # HX711 counts, empty car
                raw_per_kg = 21.37
                rated_kg = 1000.0   # nameplate

                [floors]
                # measured by hand in 2024
                levels_m = [0.0, 3.3, 6.45, 9.7] # four landings
                door_zone_half_m = 0.15

                """)
    }

    @Test func addsMissingKeysAndSections() {
        let edited = TOMLTextEdit.apply(
            [
                .init(section: "load", key: "note", value: "\"x\""),
                .init(section: "thresholds", key: "trapped_after_s", value: "30"),
            ], to: "[load]\nraw_zero = 1 # a\n\n# end\n")
        #expect(edited == "[load]\nraw_zero = 1 # a\nnote = \"x\"\n\n# end\n\n[thresholds]\ntrapped_after_s = 30\n")
    }

    @Test func aKeyOfTheSameNameInAnotherSectionIsLeftAlone() {
        let edited = TOMLTextEdit.apply(
            [.init(section: "b", key: "x", value: "2")],
            to: "[a]\nx = 1 # a's\n[b]\nx = 1 # b's\n")
        #expect(edited == "[a]\nx = 1 # a's\n[b]\nx = 2 # b's\n")
    }
}
