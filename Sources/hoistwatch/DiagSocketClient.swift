import HoistWatchAgent

#if canImport(Glibc)
import Glibc
#endif

/// Reads one snapshot from the agent's diag socket: connect, read to EOF. Errors say what a technician should do.
enum DiagSocketClient {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// One snapshot, decoded.
    static func snapshot(_ path: String) throws(Failure) -> DiagnosticsSnapshot {
        let bytes = try fetch(path)
        guard let snapshot = try? DiagnosticsSnapshot(decoding: bytes) else {
            throw Failure(description: "\(path): the agent sent something that is not a diag snapshot")
        }
        return snapshot
    }

    static func fetch(_ path: String) throws(Failure) -> [UInt8] {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "cannot create a socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw Failure(description: "\(path): socket path too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if connected != 0 {
            switch errno {
            case ENOENT, ECONNREFUSED:
                throw Failure(
                    description: "the agent is not running: no live diag socket at \(path) "
                        + "(check `systemctl status hoistwatch`, or pass --config / --socket)")
            case EACCES, EPERM:
                throw Failure(
                    description: "permission denied on \(path): run as the service user or a member of "
                        + "its group (sudo usermod -aG hoistwatch $USER, then log in again)")
            default:
                throw Failure(description: "cannot connect to \(path): \(String(cString: strerror(errno)))")
            }
        }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count < 0 {
                throw Failure(description: "\(path): the agent did not answer: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            result.append(contentsOf: buffer.prefix(count))
        }
        return result
    }
}
