import ArgumentParser

/// The `hoistwatch` executable: one root command, each subcommand its own type (cli.md).
@main
struct HoistWatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hoistwatch",
        abstract: "Elevator and crane safety monitoring agent.",
        version: HoistWatchVersion.current,
        subcommands: [
            RunCommand.self, DiagCommand.self, SelftestCommand.self, ReplayCommand.self, SimulateCommand.self,
            RecordCommand.self, CalibrateCommand.self, HistoryCommand.self, ListenCommand.self,
            CheckCommand.self,
        ]
    )
}

/// The software version, named in the birth status and `--version`.
enum HoistWatchVersion {
    static let current = "0.1.0"
}
