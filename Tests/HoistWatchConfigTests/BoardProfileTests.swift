import Foundation
import HoistWatchConfig
import HoistWatchTestSupport
import Testing

@testable import HoistWatchCore

/// `BoardProfile.parse`: the pure checks of a profile file, and the three shipped profiles.
@Suite struct BoardProfileTests {
    static let small = """
        description = "test board"
        [inputs.enc_a]
        chip = "pinctrl-bcm2711"
        line = 17
        active_low = false
        bias = "pull-up"
        [inputs.enc_b]
        chip = "pinctrl-bcm2711"
        line = 27
        active_low = false
        bias = "pull-up"
        [inputs.door_zone]
        chip = "pinctrl-bcm2711"
        line = 23
        active_low = true
        bias = "pull-up"
        [inputs.mains_ok]
        chip = "/dev/gpiochip1"
        line = 3
        active_low = false
        bias = "as-is"
        [hx711]
        mode = "gpio"
        chip = "pinctrl-bcm2711"
        dout_line = 9
        sck_line = 10
        """

    @Test func parsesEveryKey() throws {
        let profile = try BoardProfile.parse(toml: Self.small)
        #expect(profile.description == "test board")
        #expect(profile.inputs.count == 4)
        #expect(
            profile.inputs[.doorZone]
                == BoardProfile.Line(
                    chip: .label("pinctrl-bcm2711"), offset: 23, activeLow: true, bias: .pullUp))
        #expect(
            profile.inputs[.mainsOk]
                == BoardProfile.Line(
                    chip: .path("/dev/gpiochip1"), offset: 3, activeLow: false, bias: .asIs))
        #expect(profile.loadCell == .gpio(chip: .label("pinctrl-bcm2711"), doutLine: 9, sckLine: 10))
        #expect(profile.chips == [.label("pinctrl-bcm2711"), .path("/dev/gpiochip1")])
        #expect(profile.unmapped([.encA, .doorZone, .topLimit, .occupancy]) == [.occupancy, .topLimit])
    }

    @Test(arguments: [
        ("pull-up", BoardProfile.Bias.pullUp), ("pull-down", .pullDown), ("disabled", .disabled), ("as-is", .asIs),
    ])
    func readsEveryBias(text: String, bias: BoardProfile.Bias) throws {
        let profile = try BoardProfile.parse(
            toml: Self.small.replacingOccurrences(
                of: "bias = \"as-is\"", with: "bias = \"\(text)\""))
        #expect(profile.inputs[.mainsOk]?.bias == bias)
    }

    @Test func readsTheIioLoadCell() throws {
        let text = Self.small.replacingOccurrences(
            of: "mode = \"gpio\"\nchip = \"pinctrl-bcm2711\"\ndout_line = 9\nsck_line = 10",
            with: "mode = \"iio\"\niio_device = \"/sys/bus/iio/devices/iio:device0\"")
        let profile = try BoardProfile.parse(toml: text)
        #expect(profile.loadCell == .iio(device: "/sys/bus/iio/devices/iio:device0", channel: "in_voltage0_raw"))
    }

    /// Each refusal: what is replaced in `small`, the key the error names, its code, and words of the message.
    @Test(arguments: [
        // a line named twice: by two inputs, by an input and the HX711, by the HX711's own two lines
        ("line = 23", "line = 17", "inputs.enc_a.line", InputError.Code.invalidValue, "already used by door_zone"),
        ("dout_line = 9", "dout_line = 23", "hx711.dout_line", .invalidValue, "already used by door_zone"),
        ("sck_line = 10", "sck_line = 9", "hx711.sck_line", .invalidValue, "already used by hx711 DOUT"),
        // an unknown input
        ("[inputs.door_zone]", "[inputs.door_open]", "inputs.door_open", .unknownKey, "not a logical input"),
        // a bad bias
        ("bias = \"as-is\"", "bias = \"pullup\"", "inputs.mains_ok.bias", .invalidValue, "\"pull-up\""),
        ("bias = \"as-is\"", "bias = 1", "inputs.mains_ok.bias", .wrongType, "a string"),
        // a missing chip key, and the other required keys
        ("chip = \"/dev/gpiochip1\"\n", "", "inputs.mains_ok.chip", .missingKey, "label"),
        ("chip = \"/dev/gpiochip1\"", "chip = \"\"", "inputs.mains_ok.chip", .invalidValue, "label"),
        ("line = 3\n", "", "inputs.mains_ok.line", .missingKey, "missing"),
        ("line = 3\n", "line = -1\n", "inputs.mains_ok.line", .invalidValue, "0 to 65535"),
        ("line = 3\n", "line = 70000\n", "inputs.mains_ok.line", .invalidValue, "0 to 65535"),
        ("line = 3\n", "line = \"3\"\n", "inputs.mains_ok.line", .wrongType, "integer"),
        (
            "active_low = false\nbias = \"as-is\"", "bias = \"as-is\"", "inputs.mains_ok.active_low", .missingKey,
            "pulls the pin low"
        ),
        ("bias = \"as-is\"", "", "inputs.mains_ok.bias", .missingKey, "missing"),
        ("bias = \"as-is\"", "bias = \"as-is\"\npin = 5", "inputs.mains_ok.pin", .unknownKey, "unknown"),
        // half an encoder
        (
            "[inputs.enc_b]\nchip = \"pinctrl-bcm2711\"\nline = 27\nactive_low = false\nbias = \"pull-up\"\n", "",
            "inputs.enc_b", .invalidValue, "quadrature pair"
        ),
        // the load cell
        ("mode = \"gpio\"", "mode = \"spi\"", "hx711.mode", .invalidValue, "\"iio\""),
        ("chip = \"pinctrl-bcm2711\"\ndout_line", "dout_line", "hx711.chip", .missingKey, "label"),
        ("sck_line = 10", "", "hx711.sck_line", .missingKey, "missing"),
        ("mode = \"gpio\"", "mode = \"iio\"\niio_device = \"/sys/x\"", "hx711.chip", .unknownKey, "unknown"),
        ("description = \"test board\"", "description = \"x\"\nboard = \"pi\"", "board", .unknownKey, "unknown"),
    ])
    func refusesWithTheKeyAndReason(
        original: String, replacement: String, key: String, code: InputError.Code,
        words: String
    ) {
        let text = Self.small.replacingOccurrences(of: original, with: replacement)
        #expect(text != Self.small, "the test's replacement did not apply")
        do {
            _ = try BoardProfile.parse(toml: text)
            Issue.record("accepted \(replacement)")
        } catch {
            #expect(error.key == key, "\(error)")
            #expect(error.code == code, "\(error)")
            #expect(error.message.contains(words), "\(error)")
        }
    }

    @Test(arguments: ["", "description = \"nothing\"\n", "[inputs]\n"])
    func refusesAProfileWithoutInputs(text: String) {
        #expect(throws: InputError.self) { try BoardProfile.parse(toml: text) }
    }

    @Test func anIioDeviceMustBeAnAbsolutePath() {
        let text = Self.small.replacingOccurrences(
            of: "mode = \"gpio\"\nchip = \"pinctrl-bcm2711\"\ndout_line = 9\nsck_line = 10",
            with: "mode = \"iio\"\niio_device = \"iio:device0\"")
        #expect(
            throws: InputError(
                .invalidValue, key: "hx711.iio_device",
                "must be the IIO device's sysfs folder, like /sys/bus/iio/devices/iio:device0")
        ) {
            try BoardProfile.parse(toml: text)
        }
    }

    @Test func restrictingKeepsWhatAnInstallationUses() throws {
        let profile = try BoardProfile.parse(toml: Self.small)
        let used = profile.restricted(to: [.doorZone], loadCellWired: false)
        #expect(Array(used.inputs.keys) == [.doorZone])
        #expect(used.loadCell == nil)
        #expect(used.chips == [.label("pinctrl-bcm2711")])
    }

    static func shipped(_ name: String) -> String {
        Repository.path("Board/profiles/\(name).toml")
    }

    /// The Raspberry Pi profiles map every logical input of trace.md to a distinct header GPIO on the chip found by
    /// label; the table of docs/gpio.md is this one.
    @Test(arguments: [("raspberry-pi-4", "pinctrl-bcm2711"), ("raspberry-pi-5", "pinctrl-rp1")])
    func theRaspberryPiProfilesMapEveryInput(name: String, label: String) throws {
        let profile = try BoardProfile.parse(toml: String(contentsOfFile: Self.shipped(name), encoding: .utf8))
        let expected: [InputName: UInt32] = [
            .encA: 17, .encB: 27, .doorClosed: 22, .doorZone: 23, .occupancy: 24, .topLimit: 25, .bottomLimit: 5,
            .alarmButton: 6, .inspection: 12, .mainsOk: 13, .hoistUpCmd: 19, .hoistDownCmd: 16, .upperLimit1: 26,
            .upperLimit2: 20, .lowerLimit: 21, .windPulse: 4,
        ]
        #expect(Set(profile.inputs.keys) == Set(InputName.allCases))
        for (input, line) in profile.inputs {
            #expect(line.offset == expected[input], "\(input)")
            #expect(line.chip == .label(label))
            #expect(line.bias == .pullUp)
            #expect(line.activeLow == !input.isCounter, "\(input): switches come through optocouplers")
        }
        #expect(profile.loadCell == .iio(device: "/sys/bus/iio/devices/iio:device0", channel: "in_voltage0_raw"))
        // No header GPIO the Pi reserves: ID EEPROM (0, 1), I2C with fixed pull-ups (2, 3), the console (14, 15).
        let reserved: Set<UInt32> = [0, 1, 2, 3, 14, 15]
        #expect(profile.inputs.values.allSatisfy { $0.offset <= 27 && !reserved.contains($0.offset) })
    }

    @Test func theGenericProfileParses() throws {
        let profile = try BoardProfile.parse(toml: String(contentsOfFile: Self.shipped("generic"), encoding: .utf8))
        #expect(Set(profile.inputs.keys) == Set(InputName.allCases))
        #expect(profile.chips == [.path("/dev/gpiochip0")])
        #expect(profile.loadCell == .gpio(chip: .path("/dev/gpiochip0"), doutLine: 16, sckLine: 17))
    }
}
