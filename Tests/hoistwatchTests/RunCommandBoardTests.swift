import Foundation
import HoistWatchTestSupport
import Testing

private var machineHasGpioChips: Bool {
    ((try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? []).contains { $0.hasPrefix("gpiochip") }
}

/// `hoistwatch run` on a GPIO board profile, as a process on this machine (no GPIO chip): it opens the profile's
/// lines through the real libgpiod and stops with exit 1 naming the chip it did not find.
@Suite(.enabled(if: !machineHasGpioChips, "this machine has GPIO chips"))
struct RunCommandBoardTests {
    @Test(arguments: ["raspberry-pi-4", "raspberry-pi-5"])
    func withoutAGpioChipRunExitsOneNamingTheChip(profile: String) throws {
        let site = try RecordCommandTests.Site(board: Repository.path("Board/profiles/\(profile).toml"))
        let (status, stderr) = try RecordCommandTests.run(["run", "--config", site.config])
        #expect(status == 1, "\(stderr)")
        #expect(stderr.contains("error: cannot open the GPIO lines of board profile"), "\(stderr)")
        #expect(stderr.contains("Board/profiles/\(profile).toml"), "\(stderr)")
        #expect(stderr.contains("no GPIO chip is labelled \"pinctrl-"), "\(stderr)")
        #expect(stderr.contains("/dev/gpiochip* does not exist"), "\(stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(site.folder)/state"), "nothing written before the lines")
    }
}
