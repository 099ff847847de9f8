#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Programs the tests start (the `hoistwatch` binary, `mosquitto`, `openssl`, `sqlite3`, `tmux`), spawned and
/// reaped by hand with `posix_spawn` and `waitpid`.
///
/// Not Foundation's `Process`: on Linux its `waitUntilExit` waits on a run loop for a SIGCHLD notification, and
/// called from a thread of Swift's cooperative pool it can wait on for a child that has long exited (seen here
/// with a `tmux` client; reported upstream for other programs). `waitpid` asks the kernel. Also, `Process` passes
/// on the spawning thread's signal mask, and the pool's threads block SIGTERM, so a broker started that way would
/// ignore SIGTERM.
public enum ChildProgram {
    /// Starts `path` with `arguments` (and `environment`'s `NAME=value` entries beside this process's own), its
    /// standard input read from `stdinPath`, its output appended to `stdoutPath` and `stderrPath` (created if
    /// missing), an empty signal mask and default dispositions for SIGTERM, SIGINT, SIGHUP and SIGPIPE.
    public static func spawn(_ path: String, _ arguments: [String], stdinPath: String = "/dev/null",
                             stdoutPath: String = "/dev/null", stderrPath: String = "/dev/null",
                             environment: [String] = []) throws(ChildProgramError) -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        // Standard streams go to files, never to the test runner's own: a child left behind by a test that died
        // must not hold the runner's output pipe open.
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        var inherited: [String] = []
        var cursor = environ
        while let entry = cursor.pointee {
            inherited.append(String(cString: entry))
            cursor += 1
        }
        let envp: [UnsafeMutablePointer<CChar>?] = (inherited + environment).map { strdup($0) } + [nil]
        defer { for variable in envp { free(variable) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard rc == 0 else {
            throw ChildProgramError(description: "posix_spawn \(path): \(String(cString: strerror(rc)))")
        }
        return pid
    }

    /// Waits for `pid` to end (blocking this thread) and returns its exit code, or 128 + the signal that ended it.
    public static func waitForExit(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return exitCode(status)
    }

    /// The exit code of `pid` if it has ended (it is then reaped), nil while it runs.
    public static func exitCodeIfEnded(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid ? exitCode(status) : nil
    }

    /// Runs `path` to completion, blocking this thread: for programs that end within a second or two.
    public static func run(_ path: String, _ arguments: [String], stdinPath: String = "/dev/null",
                           stdoutPath: String = "/dev/null", stderrPath: String = "/dev/null",
                           environment: [String] = []) throws(ChildProgramError) -> Int32 {
        waitForExit(try spawn(path, arguments, stdinPath: stdinPath, stdoutPath: stdoutPath, stderrPath: stderrPath,
                              environment: environment))
    }

    /// Runs `path` to completion without blocking a thread of the cooperative pool (it checks every 20 ms): for
    /// programs that run for a while, so the other suites' tasks go on meanwhile.
    public static func runAwaitingExit(_ path: String, _ arguments: [String], stdinPath: String = "/dev/null",
                                       stdoutPath: String = "/dev/null", stderrPath: String = "/dev/null",
                                       environment: [String] = []) async throws(ChildProgramError) -> Int32 {
        let pid = try spawn(path, arguments, stdinPath: stdinPath, stdoutPath: stdoutPath, stderrPath: stderrPath,
                            environment: environment)
        while true {
            if let code = exitCodeIfEnded(pid) { return code }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
    }

    private static func exitCode(_ status: Int32) -> Int32 {
        (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}

/// A program that could not be started.
public struct ChildProgramError: Error, CustomStringConvertible {
    /// `posix_spawn`, the program's path and `strerror`'s text for the error it returned.
    public let description: String
}
