#if canImport(Glibc)
import Glibc
#endif

/// A TCP port on 127.0.0.1 that accepts connections (the kernel completes the handshake into the listen backlog)
/// and never sends a byte: what a client meets at a port that is open but not MQTT.
public final class SilentListener: @unchecked Sendable {
    // @unchecked Sendable: `fd` is set once in init and closed once in deinit.
    /// The port it listens on.
    public let port: Int
    private let fd: Int32

    /// Binds and listens on a free loopback port; never accepts.
    public init() throws {
        port = try MosquittoBroker.freePort()
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard fd >= 0, bound, listen(fd, 16) == 0 else {
            throw MosquittoBroker.BrokerError(message: "cannot listen on 127.0.0.1:\(port)")
        }
    }

    deinit {
        close(fd)
    }
}
