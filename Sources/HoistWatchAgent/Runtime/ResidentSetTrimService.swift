import Logging
import ServiceLifecycle

/// Runs `ResidentSetTrim` once the agent has settled after its start (the link connected or given up a first
/// time, the first status stored), then now and then, so the resident set is what the agent uses while it runs
/// rather than everything it touched once.
struct ResidentSetTrimService: Service {
    /// After the start: long enough for the first connection attempt and the first status.
    var firstAfter: Duration = .seconds(20)
    /// Then this often: code touched by a rare event (a reconnection, a fault) is given back too.
    var every: Duration = .seconds(15 * 60)
    let logger: Logger

    func run() async throws {
        var wait = firstAfter
        var first = true
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let pause = wait
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
            } catch {
                return
            }
            if Task.isShuttingDownGracefully { return }
            if let outcome = ResidentSetTrim.trim() {
                let metadata: Logger.Metadata = [
                    "rss_before_kb": "\(outcome.rssBeforeKb.map(String.init) ?? "?")",
                    "rss_after_kb": "\(outcome.rssAfterKb.map(String.init) ?? "?")",
                    "mappings": "\(outcome.mappings)",
                ]
                if first {
                    logger.info("resident set trimmed", metadata: metadata)
                } else {
                    logger.debug("resident set trimmed", metadata: metadata)
                }
            }
            first = false
            wait = every
        }
    }
}
