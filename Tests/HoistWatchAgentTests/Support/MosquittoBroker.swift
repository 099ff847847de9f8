import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real `mosquitto` broker on a free loopback port, with its config in a temp folder.
final class MosquittoBroker: @unchecked Sendable {
    // @unchecked Sendable: tests drive one broker from one task at a time; `process` is only touched by
    // start() and stop().
    static let executable = "/usr/sbin/mosquitto"

    let port: Int
    let directory: TestDirectory
    private var pid: pid_t?

    /// Writes `mosquitto.conf`: a listener on 127.0.0.1:`port` plus `extraConfig` lines (default: anonymous
    /// clients allowed). With `persistence`, sessions and queued messages survive a restart.
    init(extraConfig: String = "allow_anonymous true", persistence: Bool = false, port: Int? = nil) throws {
        directory = try TestDirectory("mosquitto")
        self.port = try port ?? Self.freePort()
        var config = """
            user root
            listener \(self.port) 127.0.0.1
            log_dest file \(directory.file("broker.log"))
            log_type all

            """
        config += persistence ? "persistence true\npersistence_location \(directory.path)/\n" : "persistence false\n"
        config += extraConfig + "\n"
        try directory.write("mosquitto.conf", config)
    }

    deinit {
        stop()
    }

    /// Starts the broker and waits until the port accepts connections.
    func start() async throws {
        pid = try Self.spawn(Self.executable, ["-c", directory.file("mosquitto.conf")])
        let listening = await eventually(within: 5) { Self.canConnect(port: port) }
        if !listening {
            throw BrokerError(message: "mosquitto did not listen on \(port): \(log)")
        }
    }

    /// Stops the broker (SIGTERM, so it saves its persistence file) and waits for it to exit; SIGKILL after 5 s.
    func stop() {
        guard let pid else { return }
        self.pid = nil
        kill(pid, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<500 {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }

    /// posix_spawn with an empty signal mask. Foundation's Process passes on the spawning thread's mask, and
    /// threads of Swift's concurrency pool block SIGTERM, so a broker started that way ignores `terminate()`.
    /// `stderrPath`: a file standard error is appended to (default /dev/null).
    /// `environment`: extra `NAME=value` entries beside the test process's own.
    static func spawn(_ path: String, _ arguments: [String], stderrPath: String = "/dev/null",
                      stdoutPath: String = "/dev/null", stdinPath: String = "/dev/null",
                      environment: [String] = []) throws -> pid_t {
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
        defer { argv.forEach { free($0) } }
        // The broker logs to its own file; its standard streams go to /dev/null so that a test process that
        // dies does not leave the broker holding the test runner's output pipe open.
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        var pid: pid_t = 0
        var inherited: [String] = []
        var cursor = environ
        while let entry = cursor.pointee {
            inherited.append(String(cString: entry))
            cursor += 1
        }
        let envp: [UnsafeMutablePointer<CChar>?] = (inherited + environment).map { strdup($0) } + [nil]
        defer { envp.forEach { free($0) } }
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw BrokerError(message: "posix_spawn \(path) failed: \(rc)") }
        return pid
    }

    var log: String { (try? String(contentsOfFile: directory.file("broker.log"), encoding: .utf8)) ?? "" }

    struct BrokerError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// A loopback port nobody listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw BrokerError(message: "bind failed: \(errno)") }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return rc == 0
    }
}
