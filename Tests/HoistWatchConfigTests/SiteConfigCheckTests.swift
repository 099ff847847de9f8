import Foundation
import HoistWatchConfig
import HoistWatchCore
import HoistWatchFiles
import HoistWatchSimulator
import HoistWatchTestSupport
import Testing

/// `SiteConfigCheck` on real files in a temporary folder: permissions, existence, agreement between the files.
@Suite struct SiteConfigCheckTests {
    /// A site folder: site.toml, TLS files, a password file, all private unless a test says otherwise.
    final class Site {
        let folder: String

        init() throws {
            folder = FileManager.default.temporaryDirectory.path + "/hoistwatch-site-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(atPath: folder) }

        /// Writes `name` in the folder with `mode`; returns its path.
        @discardableResult
        func write(_ name: String, _ text: String, mode: Int = 0o600) throws -> String {
            let path = "\(folder)/\(name)"
            try text.write(toFile: path, atomically: false, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
            return path
        }

        /// Writes a complete, valid setup; `edit` changes site.toml's text first. Returns the parsed config.
        func standard(
            deviceId: String = "37010000000000000001",
            calibration: String = Repository.path("Calibration/demo-elevator.toml"),
            scenario: String = Repository.path("Scenarios/demo.toml"),
            edit: (String) -> String = { $0 }
        ) throws -> SiteConfig {
            try write("ca.pem", "-----BEGIN CERTIFICATE-----\n", mode: 0o644)
            try write("client.pem", "-----BEGIN CERTIFICATE-----\n", mode: 0o644)
            try write("client.key", "-----BEGIN PRIVATE KEY-----\n")
            try write("password", "right-secret\r\n")
            let text = """
                device_id = "\(deviceId)"
                board = "sim"
                calibration = "\(calibration)"
                state_dir = "state"
                [broker]
                host = "127.0.0.1"
                tls_ca = "ca.pem"
                tls_cert = "client.pem"
                tls_key = "client.key"
                username = "board"
                password_file = "password"
                [sim]
                scenario = "\(scenario)"
                """
            let path = try write("site.toml", edit(text))
            return try TextFile.siteConfig(path)
        }
    }

    @Test func aPrivateCompleteSetupHasNoProblems() throws {
        let site = try Site()
        let config = try site.standard()
        #expect(config.broker.port == 8883)
        #expect(siteProblems(config) == [])
    }

    @Test(arguments: [
        ("site.toml", "chmod o-rwx", nil as String?),
        ("client.key", "chmod 600", "broker.tls_key"),
        ("password", "chmod 600", "broker.password_file"),
    ])
    func filesOthersCanReadAreRefusedByName(name: String, fix: String, key: String?) throws {
        let site = try Site()
        let config = try site.standard()
        let path = "\(site.folder)/\(name)"
        for mode in [0o644, 0o604, 0o602, 0o601] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
            let problems = siteProblems(config)
            #expect(problems.count == 1, "\(problems)")
            let problem = try #require(problems.first)
            #expect(problem.code == .insecure)
            #expect(problem.key == key)
            #expect(problem.file == config.path)
            #expect(problem.description.contains(path))
            #expect(problem.message.contains("\(fix) \(path)"))
        }
        // Group access is the installer's choice (root:hoistwatch 640 is the usual setup).
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: path)
        #expect(siteProblems(config) == [])
    }

    @Test func everyMissingFileIsReportedNotJustTheFirst() throws {
        let site = try Site()
        let config = try site.standard(calibration: "missing-calibration.toml", scenario: "missing-scenario.toml") {
            $0.replacingOccurrences(of: "state_dir = \"state\"", with: "state_dir = \"no/such/state\"")
        }
        try FileManager.default.removeItem(atPath: "\(site.folder)/ca.pem")
        try FileManager.default.removeItem(atPath: "\(site.folder)/password")
        let problems = siteProblems(config)
        #expect(
            problems.map(\.key) == [
                "calibration", "broker.tls_ca", "broker.password_file", "sim.scenario", "state_dir",
            ])
        #expect(problems.allSatisfy { $0.file == config.path })
        #expect(problems[0].message.contains("\(site.folder)/missing-calibration.toml does not exist"))
        #expect(problems[1].message.contains("\(site.folder)/ca.pem does not exist"))
        #expect(problems[4].message.contains("mkdir -p \(site.folder)/no/such/state"))
    }

    @Test func theCalibrationMustBeOfThisUnit() throws {
        let site = try Site()
        let config = try site.standard(deviceId: "37010000000000000999")
        let problems = siteProblems(config)
        #expect(problems.map(\.key) == ["device_id"], "\(problems)")
        #expect(problems.first?.message.contains("37010000000000000001") == true)
    }

    @Test func theScenarioMustBeForTheSameEquipment() throws {
        let site = try Site()
        let config = try site.standard(scenario: Repository.path("Scenarios/crane-overload.toml"))
        let problems = siteProblems(config)
        #expect(problems.map(\.key) == ["sim.scenario"], "\(problems)")
        #expect(problems.first?.message.contains("crane") == true)
    }

    @Test func aBrokenCalibrationIsReportedInItsOwnFile() throws {
        let site = try Site()
        let calibration = try site.write("calibration.toml", "[equipment]\nkind = \"escalator\"\n")
        let config = try site.standard(calibration: calibration)
        let problems = siteProblems(config)
        #expect(problems.map(\.file) == [calibration], "\(problems)")
        #expect(problems.first?.key == "equipment.kind")
    }

    /// A board profile instead of the simulator: site.toml without [sim], `board` as given.
    func profileSite(_ site: Site, board: String) throws -> SiteConfig {
        try site.standard {
            $0.replacingOccurrences(of: "board = \"sim\"", with: "board = \"\(board)\"")
                .replacingOccurrences(of: "[sim]", with: "").replacingOccurrences(of: "scenario = ", with: "# ")
        }
    }

    static let shippedProfiles = [Repository.path("Board/profiles")]

    @Test(arguments: ["raspberry-pi-4", "raspberry-pi-5"])
    func aShippedProfileThatMapsEveryWiredInputHasNoProblems(board: String) throws {
        let site = try Site()
        let config = try profileSite(site, board: board)
        #expect(config.board == .profile(board))
        #expect(siteProblems(config, profileFolders: Self.shippedProfiles) == [])
    }

    @Test func anUnknownProfileNameIsReportedWithTheNamesThereAre() throws {
        let site = try Site()
        let config = try profileSite(site, board: "rpi4")
        let problems = siteProblems(config, profileFolders: Self.shippedProfiles)
        #expect(problems.map(\.key) == ["board"], "\(problems)")
        #expect(problems.first?.code == .unreadable)
        #expect(problems.first?.file == config.path)
        #expect(
            problems.first?.message.contains("found: generic, gpio-sim, raspberry-pi-4, raspberry-pi-5") == true,
            "\(problems)")
    }

    @Test func aProfileMustMapEveryWiredInputAndTheLoadCell() throws {
        let site = try Site()
        let profile = try site.write(
            "doors-only.toml",
            """
            [inputs.door_zone]
            chip = "pinctrl-bcm2711"
            line = 23
            active_low = true
            bias = "pull-up"
            [inputs.door_closed]
            chip = "pinctrl-bcm2711"
            line = 22
            active_low = true
            bias = "pull-up"
            """)
        let config = try profileSite(site, board: profile)
        let problems = siteProblems(config, profileFolders: [])
        #expect(problems.map(\.key) == ["board", "board"], "\(problems)")
        #expect(problems.allSatisfy { $0.file == config.path })
        #expect(
            problems[0].message.contains(
                "maps no line for enc_a, enc_b, occupancy, top_limit, bottom_limit, "
                    + "alarm_button, inspection, mains_ok"))
        #expect(problems[1].message.contains("no [hx711] table"))
    }

    @Test func aBrokenProfileIsReportedInItsOwnFile() throws {
        let site = try Site()
        let text = try String(contentsOfFile: Repository.path("Board/profiles/raspberry-pi-4.toml"), encoding: .utf8)
        let profile = try site.write("pi.toml", text.replacingOccurrences(of: "line = 23", with: "line = 22"))
        let problems = siteProblems(try profileSite(site, board: profile))
        #expect(problems.count == 1, "\(problems)")
        #expect(problems.first?.file == profile)
        #expect(problems.first?.key == "inputs.door_zone.line")
        #expect(problems.first?.message.contains("already used by door_closed") == true)
    }

    /// The chip check (HoistWatchBoard's `GpioChipCheck` in `hoistwatch check`) sees only what the calibration
    /// wires, and its problems name the profile file.
    @Test func chipProblemsNameTheProfileFile() throws {
        let site = try Site()
        let config = try profileSite(site, board: "raspberry-pi-4")
        let seen = Seen()
        let problems = siteProblems(config, profileFolders: Self.shippedProfiles) { profile in
            seen.inputs = Set(profile.inputs.keys)
            seen.loadCell = profile.loadCell != nil
            return [InputError(.invalidValue, key: "inputs.enc_a.chip", "no GPIO chip is labelled \"pinctrl-bcm2711\"")]
        }
        let path = Repository.path("Board/profiles/raspberry-pi-4.toml")
        #expect(
            problems == [
                InputError(
                    .invalidValue, file: path, key: "inputs.enc_a.chip",
                    "no GPIO chip is labelled \"pinctrl-bcm2711\"")
            ])
        #expect(seen.inputs == Set(Equipment.elevator.digitalInputs))
        #expect(seen.loadCell)
    }

    /// What the chip check was given.
    final class Seen {
        var inputs: Set<InputName> = []
        var loadCell = false
    }

    @Test func anExistingStateFolderMustBeAFolder() throws {
        let site = try Site()
        try site.write("state", "not a folder")
        let problems = siteProblems(try site.standard())
        #expect(problems.map(\.key) == ["state_dir"], "\(problems)")
    }

    @Test(arguments: [
        ("right-secret\r\n", "right-secret"),
        ("right-secret\n", "right-secret"),
        ("right-secret", "right-secret"),
        ("first line\nsecond line\n", "first line"),
        (" spaces kept ", " spaces kept "),
    ])
    func readsTheFirstLineOfThePasswordFile(content: String, password: String) throws {
        let site = try Site()
        let path = try site.write("password", content)
        #expect(try SiteConfigCheck.password(fromFile: path) == password)
    }

    @Test(arguments: ["", "\n", "\r\n", "\nsecret-on-line-two"])
    func anEmptyPasswordIsRefusedWithoutShowingTheFile(content: String) throws {
        let site = try Site()
        let config = try site.standard()
        let path = try site.write("password", content)
        do {
            _ = try SiteConfigCheck.password(fromFile: path)
            Issue.record("accepted an empty password")
        } catch {
            #expect(error.file == path)
            #expect(!error.description.contains("secret-on-line-two"))
        }
        #expect(siteProblems(config).map(\.file) == [path])
    }

    @Test func aMissingPasswordFileNamesTheFile() {
        let path = "/nonexistent/hoistwatch/password"
        #expect(throws: InputError(.unreadable, file: path, "the file does not exist")) {
            try SiteConfigCheck.password(fromFile: path)
        }
    }

    @Test func relativeConfigPathsAreMadeAbsolute() throws {
        let site = try Site()
        _ = try site.standard()
        // Relative to the current directory without changing it (tests run in parallel).
        let depth = FileManager.default.currentDirectoryPath.split(separator: "/").count
        let relative = String(repeating: "../", count: depth) + "." + site.folder + "/./site.toml"
        let config = try TextFile.siteConfig(relative)
        #expect(config.path.hasPrefix("/"))
        #expect(!config.path.contains("/./"))
        #expect(config.broker.passwordFile == config.path.replacingOccurrences(of: "site.toml", with: "password"))
        #expect(siteProblems(config) == [])
    }

    @Test func parseErrorsNameTheFileAsGiven() throws {
        let site = try Site()
        let path = try site.write("site.toml", "device_id = \"x\"\nboard = \"sim\"\n")
        #expect(throws: InputError(.missingKey, file: path, key: "calibration", "required key is missing")) {
            try TextFile.siteConfig(path)
        }
    }

    /// The shipped example names files of a real install (/etc/hoistwatch, /var/lib/hoistwatch); everything it
    /// names in the repository must be right: calibration of the same unit, scenario of the same equipment.
    @Test func theExampleSiteConfigAgreesWithTheRepositoryFiles() throws {
        let config = try TextFile.siteConfig(Repository.path("Board/site.example.toml"))
        let problems = siteProblems(config)
        let allowed: Set<String?> = [
            nil, "broker.tls_ca", "broker.tls_cert", "broker.tls_key", "broker.password_file", "state_dir",
        ]
        for problem in problems {
            #expect(problem.file == config.path && allowed.contains(problem.key), "\(problem)")
        }
    }
}

/// `SiteConfigCheck.problems` as `check` and `run` call it: with the simulator's scenario check.
private func siteProblems(
    _ site: SiteConfig, profileFolders: [String]? = nil,
    chipCheck: SiteConfigCheck.ChipCheck? = nil
) -> [InputError] {
    SiteConfigCheck.problems(
        site, profileFolders: profileFolders, chipCheck: chipCheck,
        scenarioCheck: ScenarioFile.problems)
}
