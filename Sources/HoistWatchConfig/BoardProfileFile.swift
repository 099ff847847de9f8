import FoundationEssentials
import HoistWatchCore
import HoistWatchFiles

/// Finds and loads board profiles (`board = "NAME"` or a path in the site config; docs/gpio.md).
public enum BoardProfileFile {
    /// An environment variable naming one more folder of profiles, searched first.
    public static let folderVariable = "HOISTWATCH_PROFILES"

    /// Where a profile name is looked up, in order: `$HOISTWATCH_PROFILES`, `/etc/hoistwatch/profiles` (the
    /// installer's own), `/usr/share/hoistwatch/profiles` (the package's), `Board/profiles` of the current
    /// directory (a source checkout).
    public static func searchFolders(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath
    ) -> [String] {
        var folders: [String] = []
        if let extra = environment[folderVariable], !extra.isEmpty { folders.append(extra) }
        folders += ["/etc/hoistwatch/profiles", "/usr/share/hoistwatch/profiles", currentDirectory + "/Board/profiles"]
        return folders
    }

    /// The file of the site config's `board`: a path (it has a `/`) as it is, a name as `NAME.toml` in the first
    /// of `folders` that has it. The error names the key `board` (the caller adds the site config's file).
    public static func locate(_ board: String, in folders: [String]) throws(InputError) -> String {
        if board.contains("/") { return board }
        guard !board.isEmpty, !board.hasPrefix("."),
            board.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        else {
            throw InputError(
                .invalidValue, key: "board",
                "\"\(board)\" is neither \"sim\", a profile name (letters, digits, - _ .) nor a path")
        }
        for folder in folders {
            let path = "\(folder)/\(board).toml"
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        var known: [String] = []
        for folder in folders {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            known += names.filter { $0.hasSuffix(".toml") }.map { String($0.dropLast(5)) }
        }
        let available = known.isEmpty ? "none found" : "found: " + Array(Set(known)).sorted().joined(separator: ", ")
        if board.hasSuffix(".toml") {
            throw InputError(
                .unreadable, key: "board",
                "no board profile named \"\(board)\": a name is looked up without .toml (\(available)); "
                    + "to name a file, write it as a path, like \"./\(board)\" (next to the site config)")
        }
        let looked = folders.joined(separator: ", ")
        throw InputError(
            .unreadable, key: "board",
            "no board profile named \"\(board)\" (looked for \(board).toml in \(looked); \(available)); "
                + "use \"sim\", one of those names, or the profile's path")
    }

    /// Loads and validates a profile; errors name the profile file.
    public static func load(_ path: String) throws(InputError) -> BoardProfile {
        let text = try TextFile.read(path)
        do {
            return try BoardProfile.parse(toml: text)
        } catch {
            throw error.inFile(path)
        }
    }
}

extension BoardProfileFile {
    /// The profile a site config's `board` names, checked against the calibration: every wired input mapped, the
    /// load cell connected when it is wired. Throws the first problem (`SiteConfigCheck` reports them all).
    public static func load(
        for site: SiteConfig, calibration: Calibration, folders: [String]? = nil
    )
        throws(InputError) -> (path: String, profile: BoardProfile)
    {
        guard case .profile(let board) = site.board else {
            throw InputError(
                .invalidValue, file: site.path, key: "board",
                "is \"sim\": the simulated board has no GPIO lines")
        }
        let path: String
        do {
            path = try locate(board, in: folders ?? searchFolders())
        } catch {
            throw error.inFile(site.path)
        }
        let profile = try load(path)
        let missing = profile.unmapped(calibration.wiredInputs)
        guard missing.isEmpty else {
            let names = missing.map(\.wireName).joined(separator: ", ")
            throw InputError(
                .invalidValue, file: site.path, key: "board",
                "the board profile \(path) maps no line for \(names), "
                    + "which the calibration \(site.calibrationPath) wires")
        }
        return (path, profile)
    }
}
