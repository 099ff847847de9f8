import HoistWatchSystem
import HoistWatchTestSupport
import Logging

/// Keeps every log line (message and metadata) so tests can check what was logged, secrets included.
public struct CapturingLogHandler: LogHandler {
    /// Every line logged so far.
    public let lines: Locked<[String]>
    /// Metadata set on the logger; each line merges it under the event's own (the event's value wins a clash).
    public var metadata: Logger.Metadata = [:]
    /// `trace`, so every level is captured and a test sees what a stricter production level would hide.
    public var logLevel: Logger.Level = .trace

    /// One key of `metadata`, as `LogHandler` requires.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Appends one line to `lines`: the level, the message and the merged metadata as text.
    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        lines.withLock { $0.append("\(event.level) \(event.message) \(merged)") }
    }
}

/// A logger that records into the returned box.
public func capturingLogger(_ label: String = "test") -> (Logger, Locked<[String]>) {
    let lines = Locked<[String]>([])
    return (Logger(label: label) { _ in CapturingLogHandler(lines: lines) }, lines)
}
