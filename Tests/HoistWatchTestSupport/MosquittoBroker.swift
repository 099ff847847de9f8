import Foundation

import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A real `mosquitto` broker on a free loopback port, with its config in a temp folder.
public final class MosquittoBroker: @unchecked Sendable {
    // @unchecked Sendable: tests drive one broker from one task at a time; `process` is only touched by
    // start() and stop().
    /// Where Debian's `mosquitto` package installs the broker; it is not looked up on `PATH`.
    public static let executable = "/usr/sbin/mosquitto"

    /// The loopback port the broker listens on: `freePort()`, unless the test gave one (to restart on the same port).
    public let port: Int
    /// The broker's temp folder: `mosquitto.conf`, `broker.log` and, with persistence, its database.
    public let directory: TestDirectory
    private var pid: pid_t?

    /// Writes `mosquitto.conf`: a listener on 127.0.0.1:`port` plus `extraConfig` lines (default: anonymous
    /// clients allowed). With `persistence`, sessions and queued messages survive a restart.
    public init(extraConfig: String = "allow_anonymous true", persistence: Bool = false, port: Int? = nil) throws {
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
    public func start() async throws {
        // Its own log file; standard streams to /dev/null (see ChildProgram.spawn).
        pid = try ChildProgram.spawn(Self.executable, ["-c", directory.file("mosquitto.conf")])
        let listening = await eventually(within: 5) { Self.canConnect(port: port) }
        if !listening {
            throw BrokerError(message: "mosquitto did not listen on \(port): \(log)")
        }
    }

    /// Stops the broker (SIGTERM, so it saves its persistence file) and waits for it to exit; SIGKILL after 5 s.
    public func stop() {
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

    /// The broker's log so far (`log_type all`: connections, subscriptions, messages); empty before it wrote any.
    public var log: String { (try? String(contentsOfFile: directory.file("broker.log"), encoding: .utf8)) ?? "" }

    /// A test fixture that could not be set up: the broker, a subscriber's connection, a free port or a certificate.
    public struct BrokerError: Error, CustomStringConvertible {
        /// What failed, with the broker's or the tool's log where there is one.
        public var message: String
        /// The message, unchanged.
        public var description: String { message }

        /// An error saying `message`.
        public init(message: String) { self.message = message }
    }

    /// A loopback port nobody listens on right now, below the kernel's range of local ports for outgoing
    /// connections: a port from that range (what binding port 0 gives) can be taken by any client connection
    /// (the tests run dozens at once) between this check and the broker's own bind, which then fails with
    /// "Address already in use". Never the same port twice in this process.
    public static func freePort() throws -> Int {
        let ephemeralLow = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))
            .flatMap { $0.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } } ?? 32768
        let candidates = 10_000..<max(10_001, min(ephemeralLow, 32768))
        for _ in 0..<200 {
            let port = Int.random(in: candidates)
            guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            if canBind(port: port) { return port }
        }
        throw BrokerError(message: "no free loopback port found in \(candidates)")
    }

    private static let handedOut = Mutex<Set<Int>>([])

    /// Whether a listener could bind 127.0.0.1:`port` now (with SO_REUSEADDR, as mosquitto does).
    private static func canBind(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// Whether a TCP connection to 127.0.0.1:`port` is accepted now, i.e. something listens there.
    public static func canConnect(port: Int) -> Bool {
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
