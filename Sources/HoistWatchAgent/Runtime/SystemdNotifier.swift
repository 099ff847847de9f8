#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `sd_notify` without libsystemd: one datagram to `$NOTIFY_SOCKET` (READY=1, WATCHDOG=1, STOPPING=1).
/// Does nothing when the agent was not started by systemd with `Type=notify`.
public struct SystemdNotifier: Sendable {
    private let socketPath: String?
    /// Half the unit's `WatchdogSec`, how often WATCHDOG=1 must be sent; nil when the watchdog is off.
    public let watchdogIntervalNs: Int64?

    /// Reads `NOTIFY_SOCKET` and `WATCHDOG_USEC` from the environment.
    public init() {
        socketPath = getenv("NOTIFY_SOCKET").map { String(cString: $0) }
        if let text = getenv("WATCHDOG_USEC").map({ String(cString: $0) }), let usec = Int64(text), usec > 0 {
            watchdogIntervalNs = usec * 1000 / 2
        } else {
            watchdogIntervalNs = nil
        }
    }

    /// Whether `NOTIFY_SOCKET` was set, i.e. systemd started the agent as `Type=notify` and waits for READY=1.
    public var isActive: Bool { socketPath != nil }

    /// Sends one state string (e.g. "READY=1"). Errors are ignored: notification is best effort.
    public func notify(_ state: String) {
        guard var path = socketPath, !path.isEmpty else { return }
        // An abstract socket is written with a leading '@' in the variable and a NUL on the wire.
        let abstract = path.hasPrefix("@")
        if abstract { path.removeFirst() }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count + (abstract ? 1 : 0) < capacity else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let offset = abstract ? 1 : 0
            for (index, byte) in bytes.enumerated() { raw[index + offset] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 1 : 0))
        _ = state.withCString { text in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, text, strlen(text), Int32(MSG_NOSIGNAL), $0, length)
                }
            }
        }
    }
}
