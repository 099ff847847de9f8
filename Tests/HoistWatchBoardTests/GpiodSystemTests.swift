import Foundation
import HoistWatchBoard
import InMemoryLogging
import Logging
import Testing
import HoistWatchConfig

private var machineHasGpioChips: Bool {
    ((try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? []).contains { $0.hasPrefix("gpiochip") }
}

/// The real libgpiod of this machine (no GPIO chip here): the wrapper's failure paths through the real C calls.
/// On a board with chips these tests are skipped; there `hoistwatch record` is the test (docs/gpio.md).
@Suite(.enabled(if: !machineHasGpioChips, "this machine has GPIO chips"))
struct GpiodSystemTests {
    @Test(arguments: ["pinctrl-bcm2711", "pinctrl-rp1"])
    func aChipLabelThatIsNotHereIsAProblemThatSaysSo(label: String) {
        let problem = GpiodV1LineSource().chipProblem(.label(label), offsets: [17])
        #expect(problem == "no GPIO chip is labelled \"\(label)\" on this machine (it has no GPIO chip at all: "
                    + "/dev/gpiochip* does not exist)")
    }

    @Test func aChipPathThatDoesNotExist() {
        let problem = GpiodV1LineSource().chipProblem(.path("/dev/gpiochip9"), offsets: [0])
        #expect(problem?.hasPrefix("/dev/gpiochip9 does not exist (") == true, "\(problem ?? "nil")")
    }

    @Test func aFileThatIsNotAChip() {
        let problem = GpiodV1LineSource().chipProblem(.path("/dev/null"), offsets: [0])
        #expect(problem?.hasPrefix("/dev/null is not a GPIO chip") == true, "\(problem ?? "nil")")
    }

    @Test func theBackendRefusesToStartWithTheErrnoOfLibgpiod() throws {
        let profile = BoardProfile(inputs: [
            .doorZone: .init(chip: .label("pinctrl-bcm2711"), offset: 23, activeLow: true, bias: .pullUp),
        ])
        do {
            _ = try GpioInputBackend(profile: profile, inputs: [.doorZone], source: GpiodV1LineSource(),
                                     logger: Logger(label: "test") { _ in InMemoryLogHandler() })
            Issue.record("opened a chip this machine does not have")
        } catch {
            #expect(error.code == .chipMissing)
            #expect(error.function == "gpiod_chip_open_by_label")
            #expect(error.errnoValue == ENOENT)
            #expect(error.description.contains("gpiodetect"))
        }
    }

    @Test func theChipCheckNamesTheKeyOfTheFirstInputOnTheChip() {
        let profile = BoardProfile(inputs: [
            .doorZone: .init(chip: .label("pinctrl-bcm2711"), offset: 23, activeLow: true, bias: .pullUp),
            .encA: .init(chip: .label("pinctrl-bcm2711"), offset: 17, activeLow: false, bias: .pullUp),
            .encB: .init(chip: .label("pinctrl-bcm2711"), offset: 27, activeLow: false, bias: .pullUp),
        ], loadCell: .gpio(chip: .path("/dev/gpiochip3"), doutLine: 1, sckLine: 2))
        let problems = GpioChipCheck.problems(profile)
        #expect(problems.map(\.key) == ["inputs.enc_a.chip", "hx711.chip"])
        #expect(problems.allSatisfy { $0.code == .invalidValue && $0.file == nil })
    }
}
