/// A real board's lines or load cell could not be opened: the machine, not the configuration, is wrong (no such
/// chip or IIO device, no permission, a line held by another program). `hoistwatch run` exits 1 with it.
public struct BoardOpenError: Error, Sendable, CustomStringConvertible {
    /// "GPIO lines" or "load cell".
    public var part: String
    /// The board profile's file.
    public var profilePath: String
    /// What failed, with what to check.
    public var message: String

    /// The one line `run` prints: the part, the profile and what to check.
    public var description: String { "cannot open the \(part) of board profile \(profilePath): \(message)" }
}
