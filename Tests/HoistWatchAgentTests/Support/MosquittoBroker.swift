import Foundation
import HoistWatchTestSupport
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
        // Its own log file; standard streams to /dev/null (see ChildProgram.spawn).
        pid = try ChildProgram.spawn(Self.executable, ["-c", directory.file("mosquitto.conf")])
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
