import Foundation
import HoistWatchConfig
import HoistWatchCore
import HoistWatchTestSupport
import Testing

/// Finding a board profile by name or path.
@Suite struct BoardProfileFileTests {
    final class Folders {
        let root = FileManager.default.temporaryDirectory.path + "/hoistwatch-profiles-\(UUID().uuidString.prefix(8))"
        init() throws {
            for folder in ["etc", "share"] {
                try FileManager.default.createDirectory(atPath: "\(root)/\(folder)", withIntermediateDirectories: true)
            }
        }
        deinit { try? FileManager.default.removeItem(atPath: root) }
        func write(_ relative: String, _ text: String = "") throws {
            try text.write(toFile: "\(root)/\(relative)", atomically: false, encoding: .utf8)
        }
        var list: [String] { ["\(root)/etc", "\(root)/share"] }
    }

    @Test func aNameIsTheFirstFileFound() throws {
        let folders = try Folders()
        try folders.write("share/raspberry-pi-4.toml")
        #expect(
            try BoardProfileFile.locate("raspberry-pi-4", in: folders.list)
                == "\(folders.root)/share/raspberry-pi-4.toml")
        try folders.write("etc/raspberry-pi-4.toml")
        #expect(
            try BoardProfileFile.locate("raspberry-pi-4", in: folders.list) == "\(folders.root)/etc/raspberry-pi-4.toml"
        )
    }

    @Test func aFileNameWithoutAPathIsExplained() {
        do {
            _ = try BoardProfileFile.locate("my-board.toml", in: [])
            Issue.record("found my-board.toml")
        } catch {
            #expect(error.message.contains("write it as a path, like \"./my-board.toml\""))
        }
    }

    @Test func aPathIsTakenAsItIs() throws {
        #expect(try BoardProfileFile.locate("/etc/hoistwatch/my-board.toml", in: []) == "/etc/hoistwatch/my-board.toml")
    }

    @Test func anUnknownNameSaysWhereItLookedAndWhatThereIs() throws {
        let folders = try Folders()
        try folders.write("share/generic.toml")
        try folders.write("share/raspberry-pi-5.toml")
        do {
            _ = try BoardProfileFile.locate("raspberry-pi-9", in: folders.list)
            Issue.record("found a profile that does not exist")
        } catch {
            #expect(error.key == "board")
            #expect(error.code == .unreadable)
            #expect(error.message.contains("\(folders.root)/etc, \(folders.root)/share"))
            #expect(error.message.contains("found: generic, raspberry-pi-5"))
        }
    }

    @Test(arguments: ["", "..", ".hidden", "pi 4", "pi\u{00E9}"])
    func aNameThatIsNoNameIsRefused(name: String) {
        #expect(throws: InputError.self) { try BoardProfileFile.locate(name, in: ["/nonexistent"]) }
    }

    @Test func theSearchOrder() {
        let folders = BoardProfileFile.searchFolders(
            environment: ["HOISTWATCH_PROFILES": "/opt/profiles"],
            currentDirectory: "/src/hoistwatch")
        #expect(
            folders == [
                "/opt/profiles", "/etc/hoistwatch/profiles", "/usr/share/hoistwatch/profiles",
                "/src/hoistwatch/Board/profiles",
            ])
        #expect(BoardProfileFile.searchFolders(environment: [:], currentDirectory: "/x").count == 3)
    }

    @Test func theShippedProfilesAreFoundFromACheckout() throws {
        let checkout = Repository.path("")
        let folders = BoardProfileFile.searchFolders(environment: [:], currentDirectory: String(checkout.dropLast()))
        for name in ["raspberry-pi-4", "raspberry-pi-5", "generic"] {
            let path = try BoardProfileFile.locate(name, in: Array(folders.suffix(1)))
            #expect(try BoardProfileFile.load(path).inputs.count == 16)
        }
    }

    @Test func loadErrorsNameTheProfileFile() throws {
        let folders = try Folders()
        try folders.write("etc/broken.toml", "[inputs.door_zone]\nline = 3\n")
        let path = "\(folders.root)/etc/broken.toml"
        #expect(
            throws: InputError(
                .missingKey, file: path, key: "inputs.door_zone.chip",
                "required: the GPIO chip's label (like \"pinctrl-bcm2711\") or its path (/dev/gpiochip0)")
        ) {
            try BoardProfileFile.load(path)
        }
    }
}
