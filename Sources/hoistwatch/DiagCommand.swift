import ArgumentParser
import HoistWatchAgent
import HoistWatchConfig
import HoistWatchFiles

/// `hoistwatch diag [--json]`: the technician's live view of the running agent, from its local socket.
struct DiagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diag", abstract: "Live view of the running agent (inputs, position, faults, outbox, broker link)."
    )

    @Flag(help: "Print one snapshot as JSON and exit.") var json = false
    @Option(help: "Site config, to find the agent's state folder (default: \(SiteConfig.defaultStateDirectory)).")
    var config: String?
    @Option(help: "The agent's diag socket (overrides --config).") var socket: String?
    @Option(help: "Refresh interval in milliseconds.") var intervalMs: Int = 250
    @Option(help: "Stop after this many refreshes (0: until Ctrl-C).") var count: Int = 0

    func run() throws {
        let path = try socketPath()
        if json {
            print(String(decoding: try fromAgent { try DiagSocketClient.fetch(path) }, as: UTF8.self), terminator: "")
            return
        }
        let interactive = Console.isTerminal
        var shown = 0
        repeat {
            let lines = DiagScreen.lines(try fromAgent { try DiagSocketClient.snapshot(path) })
            if interactive {
                // Home, clear each line as it is rewritten, then clear below: no flicker.
                var screen = "\u{1B}[H"
                for line in lines { screen += line + "\u{1B}[K\n" }
                screen += "\u{1B}[J"
                Console.write(screen)
            } else {
                print(lines.joined(separator: "\n"))
                return  // not a terminal: one plain snapshot
            }
            shown += 1
            if count > 0 && shown >= count { return }
            Console.sleep(milliseconds: max(50, intervalMs))
        } while true
    }

    private func socketPath() throws -> String {
        if let socket { return socket }
        guard let config else { return "\(SiteConfig.defaultStateDirectory)/diag.sock" }
        do {
            return "\(try TextFile.siteConfig(config).stateDirectory)/diag.sock"
        } catch {
            throw CLIExit.badInput(error)
        }
    }

    /// What `body` got from the agent; when it got nothing, the reason on one line and exit 1.
    private func fromAgent<Value>(_ body: () throws -> Value) throws -> Value {
        do {
            return try body()
        } catch {
            CLIExit.printError("error: \(error)")
            throw ExitCode(1)
        }
    }
}
