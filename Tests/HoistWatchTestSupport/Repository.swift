/// Paths inside this repository, for the tests' fixtures (calibrations, scenarios, board profiles, scripts).
public enum Repository {
    /// The repository's root folder, from this file's location (Tests/HoistWatchTestSupport/Repository.swift).
    public static let root: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    /// The path of `relative` inside the repository.
    public static func path(_ relative: String) -> String { root + "/" + relative }
}
