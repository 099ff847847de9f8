import HoistWatchSystem
import HoistWatchTestSupport
import Logging

/// Keeps every log line (message and metadata) so tests can check what was logged, secrets included.
public struct CapturingLogHandler: LogHandler {
    /// Every line logged so far.
    public let lines: Locked<[String]>
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

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
