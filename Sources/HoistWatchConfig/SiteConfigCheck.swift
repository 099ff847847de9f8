import FoundationEssentials
import HoistWatchCore
import HoistWatchFiles

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The checks of a parsed site config that need the file system (`hoistwatch check --config`, and `run` before it
/// starts): the files it names exist, can be read and agree with each other, secrets are private, and the state
/// folder can be written. Runs as the calling user, so run `check` as the user the agent runs as.
public enum SiteConfigCheck {
    /// Checks of a board profile against this machine's GPIO chips (HoistWatchBoard's `GpioChipCheck`): the
    /// problems of the profile as the installation uses it, each naming the profile's key; the caller adds the file.
    public typealias ChipCheck = (BoardProfile) -> [InputError]

    /// Checks of the `[sim]` scenario (HoistWatchSimulator's `ScenarioFile.problems`): that it parses, is for the
    /// calibration's equipment and can be simulated with the plant's calibration (the second; nil when it did not
    /// load). Called only when the scenario file can be read; each problem names the scenario file or the config's
    /// key.
    public typealias ScenarioCheck = (_ site: SiteConfig, _ calibration: Calibration?, _ plant: Calibration?)
        -> [InputError]

    /// Every problem of `site`, in the order of the file; empty when it can run.
    ///
    /// Problems about the config's own keys name the config file and the key; a calibration, scenario or board
    /// profile that does not parse is reported with that file's own name, key and line. A board profile is looked
    /// up in `profileFolders` (default `BoardProfileFile.searchFolders()`); its chips are checked only when
    /// `chipCheck` is given (it looks at this machine's /dev/gpiochip*), the simulated board's scenario only when
    /// `scenarioCheck` is.
    public static func problems(
        _ site: SiteConfig, profileFolders: [String]? = nil, chipCheck: ChipCheck? = nil,
        scenarioCheck: ScenarioCheck? = nil
    ) -> [InputError] {
        var problems: [InputError] = []
        func report(_ code: InputError.Code, key: String? = nil, _ message: String) {
            problems.append(InputError(code, file: site.path, key: key, message))
        }

        if let mode = otherUsersMode(site.path) {
            report(
                .insecure,
                "other users can read or write this file (mode \(mode)), and it names the broker "
                    + "and its secrets: run chmod o-rwx \(site.path)")
        }

        var calibration: Calibration?
        if let reason = unreadableReason(site.calibrationPath) {
            report(.unreadable, key: "calibration", "\(site.calibrationPath) \(reason)")
        } else {
            do {
                let loaded = try TextFile.calibration(site.calibrationPath)
                calibration = loaded
                if loaded.deviceId != site.deviceId {
                    report(
                        .invalidValue, key: "device_id",
                        "is \"\(site.deviceId)\" but the calibration \(site.calibrationPath) has equipment.device_id "
                            + "= \"\(loaded.deviceId)\"; they must be the same unit")
                }
            } catch {
                problems.append(error)
            }
        }

        if case .profile(let board) = site.board {
            do {
                let path = try BoardProfileFile.locate(board, in: profileFolders ?? BoardProfileFile.searchFolders())
                let profile = try BoardProfileFile.load(path)
                var used = profile
                if let calibration {
                    let missing = profile.unmapped(calibration.wiredInputs)
                    if !missing.isEmpty {
                        let names = missing.map(\.wireName).joined(separator: ", ")
                        report(
                            .invalidValue, key: "board",
                            "the board profile \(path) maps no line for \(names), which the calibration "
                                + "\(site.calibrationPath) wires: add [inputs.NAME] to the profile or take the "
                                + "input out of wiring.inputs")
                    }
                    let loadCellWired = calibration.wiredAdc.contains(.load)
                    if loadCellWired && profile.loadCell == nil {
                        report(
                            .invalidValue, key: "board",
                            "the board profile \(path) has no [hx711] table, but the calibration "
                                + "\(site.calibrationPath) wires the load cell (wiring.adc)")
                    }
                    used = profile.restricted(to: calibration.wiredInputs, loadCellWired: loadCellWired)
                }
                if let chipCheck { problems += chipCheck(used).map { $0.inFile(path) } }
            } catch {
                problems.append(error.file == nil ? error.inFile(site.path) : error)
            }
        }

        let broker = site.broker
        for (key, path) in [("broker.tls_ca", broker.tlsCAFile), ("broker.tls_cert", broker.tlsCertFile)] {
            if let path, let reason = unreadableReason(path) { report(.unreadable, key: key, "\(path) \(reason)") }
        }
        for (key, path) in [("broker.tls_key", broker.tlsKeyFile), ("broker.password_file", broker.passwordFile)] {
            guard let path else { continue }
            if let reason = unreadableReason(path) {
                report(.unreadable, key: key, "\(path) \(reason)")
                continue
            }
            if let mode = otherUsersMode(path) {
                report(
                    .insecure, key: key,
                    "\(path) holds a secret but other users can read or write it (mode \(mode)): "
                        + "run chmod 600 \(path)")
            }
            if key == "broker.password_file" {
                do { _ = try password(fromFile: path) } catch { problems.append(error) }
            }
        }

        var plant = calibration
        if let simulation = site.simulation, let plantPath = simulation.plantCalibration {
            plant = nil
            do {
                plant = try TextFile.calibration(plantPath)
                if let calibration, let plant, plant.equipment != calibration.equipment {
                    report(
                        .invalidValue, key: "sim.plant_calibration",
                        "the plant \(plantPath) is \(plant.equipment.phrase) but the calibration "
                            + "\(site.calibrationPath) is for \(calibration.equipment.phrase)")
                }
            } catch {
                problems.append(error)
            }
        }
        if let simulation = site.simulation {
            if let reason = unreadableReason(simulation.scenario) {
                report(.unreadable, key: "sim.scenario", "\(simulation.scenario) \(reason)")
            } else if let scenarioCheck {
                problems += scenarioCheck(site, calibration, plant)
            }
        }

        if let reason = stateDirectoryProblem(site.stateDirectory) {
            report(.invalidValue, key: "state_dir", reason)
        }
        return problems
    }

    /// The broker password: the first line of `path`, without its line ending. Errors name the file, never its
    /// content; an empty first line is refused.
    public static func password(fromFile path: String) throws(InputError) -> String {
        let text = try TextFile.read(path)
        // By scalars: as Characters, "\r\n" is one grapheme and would not equal "\n".
        var scalars = text.unicodeScalars.prefix { $0 != "\n" }
        if scalars.last == "\r" { scalars.removeLast() }
        guard !scalars.isEmpty else {
            throw InputError(
                .invalidValue, file: path, "the password file is empty: its first line must be the password")
        }
        return String(String.UnicodeScalarView(scalars))
    }

    /// The permission bits (octal text) of `path` when other users have any access to it; nil when they have none
    /// or the file cannot be examined (its absence is reported on its own).
    static func otherUsersMode(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & 0o007 != 0 else { return nil }
        return String(UInt32(info.st_mode) & 0o777, radix: 8)
    }

    /// Why `path` is not a file this process can read, or nil when it is.
    static func unreadableReason(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return errno == ENOENT || errno == ENOTDIR
                ? "does not exist" : "cannot be examined: \(String(cString: strerror(errno)))"
        }
        if isFolder(info) { return "is a folder, not a file" }
        if access(path, R_OK) != 0 { return "cannot be read by this user (permissions?)" }
        return nil
    }

    /// Why the agent could not keep its state in `path`, or nil when it can: the folder is writable, or it is
    /// missing and its parent is writable (the agent creates it).
    static func stateDirectoryProblem(_ path: String) -> String? {
        var info = stat()
        if stat(path, &info) == 0 {
            guard isFolder(info) else { return "\(path) is not a folder" }
            // A read-only file system (an SD card the kernel turned read-only) is the storage's fault, not the
            // config's: the agent runs from memory and reports it as `storage_fault` instead of refusing to start.
            guard access(path, W_OK | X_OK) == 0 || errno == EROFS else {
                return "this user cannot write into \(path): give the folder to the user the agent runs as (chown)"
            }
            return nil
        }
        let parent = parentFolder(path)
        guard stat(parent, &info) == 0, isFolder(info) else {
            return "\(path) does not exist, and neither does its parent folder \(parent): create it (mkdir -p \(path))"
        }
        guard access(parent, W_OK | X_OK) == 0 else {
            return "\(path) does not exist and this user cannot create it in \(parent): create it (mkdir -p \(path)) "
                + "and give it to the user the agent runs as"
        }
        return nil
    }

    private static func isFolder(_ info: stat) -> Bool { UInt32(info.st_mode) & 0o170000 == 0o040000 }

    private static func parentFolder(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }
}
