import HoistWatchCore
import HoistWatchFiles

extension TextFile {
    /// Loads and validates a calibration file.
    public static func calibration(_ path: String) throws(InputError) -> Calibration {
        try calibration(path, text: read(path))
    }

    /// Validates `text`, already read from the calibration file at `path` (errors name that file).
    public static func calibration(_ path: String, text: String) throws(InputError) -> Calibration {
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
}
