import Logging
@testable import HoistWatchAgent

/// Keeps every log line (message and metadata) so tests can check what was logged, secrets included.
struct CapturingLogHandler: LogHandler {
    let lines: Locked<[String]>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        lines.withLock { $0.append("\(event.level) \(event.message) \(merged)") }
    }
}

/// A logger that records into the returned box.
func capturingLogger(_ label: String = "test") -> (Logger, Locked<[String]>) {
    let lines = Locked<[String]>([])
    return (Logger(label: label) { _ in CapturingLogHandler(lines: lines) }, lines)
}
