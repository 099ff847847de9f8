import ArgumentParser
import HoistWatchCore

#if canImport(Glibc)
import Glibc
#endif

/// cli.md's exit codes: 0 success, 2 bad input, 1 anything else.
enum CLIExit {
    /// Prints a user input error on stderr and returns the exit code 2 that cli.md asks for.
    static func badInput(_ error: InputError) -> ExitCode {
        printError("error: \(error.description)")
        return ExitCode(2)
    }

    /// Writes one line to standard error.
    static func printError(_ line: String) {
        var text = line
        text.append("\n")
        _ = text.withCString { write(2, $0, strlen($0)) }
    }
}
