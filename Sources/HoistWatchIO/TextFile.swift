import FoundationEssentials
import HoistWatchCore

/// Reads small text files (calibration, scenario, config) with errors that name the file.
public enum TextFile {
    /// The file's UTF-8 text.
    public static func read(_ path: String) throws(InputError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read (permissions?)" : "does not exist"
            throw InputError(.unreadable, file: path, "the file \(reason)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputError(.syntax, file: path, "the file is not UTF-8 text")
        }
        return text
    }

    /// Loads and validates a calibration file.
    public static func calibration(_ path: String) throws(InputError) -> Calibration {
        let text = try read(path)
        do {
            return try Calibration.parse(toml: text)
        } catch {
            throw error.inFile(path)
        }
    }

    /// Loads and validates a site config (`hoistwatch run --config`). The path is made absolute first, so the
    /// paths inside the file are taken from its folder; errors name the file as the caller named it. Whether the
    /// files it names exist and are private is `SiteConfigCheck.problems`'s job.
    public static func siteConfig(_ path: String) throws(InputError) -> SiteConfig {
        let text = try read(path)
        do {
            return try SiteConfig.parse(toml: text, path: absolutePath(path))
        } catch {
            throw error.inFile(path)
        }
    }

    /// `path` taken from the current directory unless absolute, without `.` components or doubled slashes.
    static func absolutePath(_ path: String) -> String {
        let joined = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return "/" + joined.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }
}
