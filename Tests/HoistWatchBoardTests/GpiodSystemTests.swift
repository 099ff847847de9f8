import Foundation
import HoistWatchBoard
import HoistWatchConfig
import InMemoryLogging
import Logging
import Testing

private var machineHasGpioChips: Bool {
    ((try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? []).contains { $0.hasPrefix("gpiochip") }
}

/// The libgpiod APIs whose real library loads here (bookworm: v1; trixie, or `make test-gpiod2`: v2).
private let loadableAPIs = GpiodLibrary.API.allCases.filter { (try? GpiodLibrary.load($0)) != nil }

/// The APIs that must load: `HOISTWATCH_EXPECT_GPIOD=1`, `=2` or `=1,2` (set by `make test-gpiod2`, so that a
/// library that did not load fails the run instead of skipping its tests).
private let expectedAPIs = (ProcessInfo.processInfo.environment["HOISTWATCH_EXPECT_GPIOD"] ?? "")
    .split(separator: ",").compactMap { GpiodLibrary.API(rawValue: "v" + $0.trimmingCharacters(in: .whitespaces)) }

/// The real libgpiod of this machine, each API whose library loads (no GPIO chip here): the wrappers' failure
/// paths through the real C calls. On a board with chips these tests are skipped; there `hoistwatch record` is the
/// test (docs/gpio.md).
@Suite(.enabled(if: !machineHasGpioChips, "this machine has GPIO chips"))
struct GpiodSystemTests {
    private func source(_ api: GpiodLibrary.API) throws -> any GpioLineSource {
        try GpiodLibrary.load(api).lineSource
    }

    /// The error `body` failed with, or nil when it did not fail.
    private func failure(_ body: () throws(GpioError) -> Void) -> GpioError? {
        do {
            try body()
            return nil
        } catch {
            return error
        }
    }

    @Test func theExpectedLibrariesLoadAndSayTheirVersion() throws {
        #expect(!loadableAPIs.isEmpty, "neither libgpiod.so.3 nor libgpiod.so.2 loads: install libgpiod2 or libgpiod3")
        for api in expectedAPIs {
            #expect(throws: Never.self, "HOISTWATCH_EXPECT_GPIOD names \(api)") { try GpiodLibrary.load(api) }
        }
        for api in loadableAPIs {
            let version = try #require(GpiodLibrary.versionText(api))
            #expect(version.hasPrefix(api == .v1 ? "1." : "2."), "\(api.soname) says it is \(version)")
        }
        let system = try GpiodLibrary.system()
        #expect(system.api == (loadableAPIs.contains(.v2) ? .v2 : .v1), "v2 first when both are here")
    }

    @Test(arguments: loadableAPIs, ["pinctrl-bcm2711", "pinctrl-rp1"])
    func aChipLabelThatIsNotHereIsAProblemThatSaysSo(api: GpiodLibrary.API, label: String) throws {
        let problem = try source(api).chipProblem(.label(label), offsets: [17])
        #expect(problem == "no GPIO chip is labelled \"\(label)\" on this machine (it has no GPIO chip at all: "
                    + "/dev/gpiochip* does not exist)")
    }

    @Test(arguments: loadableAPIs)
    func aChipPathThatDoesNotExist(api: GpiodLibrary.API) throws {
        let problem = try source(api).chipProblem(.path("/dev/gpiochip9"), offsets: [0])
        #expect(problem?.hasPrefix("/dev/gpiochip9 does not exist (") == true, "\(problem ?? "nil")")
    }

    @Test(arguments: loadableAPIs)
    func aFileThatIsNotAChip(api: GpiodLibrary.API) throws {
        let problem = try source(api).chipProblem(.path("/dev/null"), offsets: [0])
        #expect(problem?.hasPrefix("/dev/null is not a GPIO chip") == true, "\(problem ?? "nil")")
    }

    @Test(arguments: loadableAPIs)
    func theBackendRefusesToStartWithTheErrnoOfLibgpiod(api: GpiodLibrary.API) throws {
        let profile = BoardProfile(inputs: [
            .doorZone: .init(chip: .label("pinctrl-bcm2711"), offset: 23, activeLow: true, bias: .pullUp),
        ])
        let lines = try source(api)
        let error = try #require(failure { () throws(GpioError) in
            _ = try GpioInputBackend(profile: profile, inputs: [.doorZone], source: lines,
                                     logger: Logger(label: "test") { _ in InMemoryLogHandler() })
        }, "opened a chip this machine does not have")
        #expect(error.code == .chipMissing)
        #expect(error.function == (api == .v1 ? "gpiod_chip_open_by_label" : "gpiod_chip_open"))
        #expect(error.errnoValue == ENOENT)
        #expect(error.description.contains("gpiodetect"))
    }

    /// Lines requested by path through the real library, on a character device that is not a GPIO chip: refused
    /// by libgpiod's own check, with its errno. With v2 the whole configuration (input, both edges, bias,
    /// active-low, CLOCK_MONOTONIC, consumer, event buffer; the HX711's output and input) is built by the real
    /// library first, and each of its setters refuses a value it does not know: failing only at `gpiod_chip_open`
    /// shows it took every one.
    @Test(arguments: loadableAPIs)
    func requestingLinesOfADeviceThatIsNotAChipFailsInTheLibrary(api: GpiodLibrary.API) throws {
        let profile = BoardProfile(inputs: [
            .encA: .init(chip: .path("/dev/null"), offset: 17, activeLow: false, bias: .pullUp),
            .encB: .init(chip: .path("/dev/null"), offset: 27, activeLow: false, bias: .disabled),
            .doorZone: .init(chip: .path("/dev/null"), offset: 23, activeLow: true, bias: .pullDown),
        ])
        let lines = try source(api)
        let error = try #require(failure { () throws(GpioError) in
            _ = try GpioInputBackend(profile: profile, inputs: [.encA, .encB, .doorZone], source: lines,
                                     logger: Logger(label: "test") { _ in InMemoryLogHandler() })
        }, "requested lines of /dev/null")
        #expect(error.code == .chipMissing, "\(error)")
        #expect(error.function == "gpiod_chip_open", "\(error)")
        #expect([ENODEV, ENOTTY].contains(error.errnoValue), "\(error)")
        #expect(error.message.hasPrefix("/dev/null is not a GPIO chip"), "\(error)")

        let library = try GpiodLibrary.load(api)
        let hx711 = try #require(failure { () throws(GpioError) in
            switch library {
            case .v1(let functions):
                _ = try HX711GpioLoadCell(chip: .path("/dev/null"), doutLine: 9, sckLine: 10,
                                          source: GpiodV1LineSource(functions: functions))
            case .v2(let functions):
                _ = try HX711GpioLoadCell(chip: .path("/dev/null"), doutLine: 9, sckLine: 10,
                                          source: GpiodV2LineSource(functions: functions))
            }
        }, "requested the HX711's lines of /dev/null")
        #expect(hx711.function == "gpiod_chip_open", "\(hx711)")
        #expect([ENODEV, ENOTTY].contains(hx711.errnoValue), "\(hx711)")
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
