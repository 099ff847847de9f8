import HoistWatchSystem
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The local status channel of issue 5: a Unix stream socket in the state folder (mode 0660: the service user
/// and its group, e.g. technicians added to `hoistwatch`; nothing on the network). Each connection gets one
/// snapshot (`DiagnosticsSnapshot`, one JSON line) and is closed; `hoistwatch diag` polls it.
///
/// The accept loop runs on its own thread (blocking `poll`/`accept`, woken by a connection or by `shutdown(2)` of
/// the socket at the stop); a task copies the link's diagnostics into the shared snapshot so the thread never has to
/// await the link actor: four times a second of `clock` while someone reads the socket (a client in the last 10 s),
/// every 5 s otherwise, so an agent nobody watches does not wake for it.
public final class DiagnosticsServer<C: Clock>: Service, Sendable where C.Duration == Duration {
    /// Why the diag socket could not be set up: which system call failed, on which path, with its errno.
    public struct SocketError: Error, CustomStringConvertible {
        /// The socket's path (`diag.sock` in the state folder).
        public var path: String
        /// The call that failed: `socket`, `bind`, `bind (path too long)` or `listen`.
        public var step: String
        /// The errno the call left (`ENAMETOOLONG` when the path does not fit `sun_path`, 108 bytes on Linux).
        public var errno: Int32
        /// The path, the step and `strerror`'s text for the errno.
        public var description: String { "diag socket \(path): \(step) failed: \(String(cString: strerror(errno)))" }
    }

    private let path: String
    private let report: @Sendable () -> [UInt8]
    private let linkDiagnostics: @Sendable () async -> MqttLinkDiagnostics
    private let clock: C
    private let snapshot: SharedSnapshot
    private let logger: Logger
    private let stopRequested = Locked(false)
    /// CLOCK_MONOTONIC of the last connection served (nil: none yet).
    private let lastClientMonoNs = Locked<Int64?>(nil)
    private static var watchedRefresh: Duration { .milliseconds(250) }
    private static var quietRefresh: Duration { .seconds(5) }
    private static var watchedForNs: Int64 { 10_000_000_000 }

    /// A socket at `path` answering with `report()`; `linkDiagnostics` (the link's `diagnostics()`) is copied into
    /// `snapshot` every 250 ms of `clock`.
    public init(
        path: String, clock: C, linkDiagnostics: @escaping @Sendable () async -> MqttLinkDiagnostics,
        snapshot: SharedSnapshot, logger: Logger, report: @escaping @Sendable () -> [UInt8]
    ) {
        self.path = path
        self.clock = clock
        self.linkDiagnostics = linkDiagnostics
        self.snapshot = snapshot
        self.logger = logger
        self.report = report
    }

    /// Makes the socket (`socket`, `bind`, `listen`; a stale one from a killed agent is unlinked first), answers each
    /// connection from its own thread (`poll`, `accept`, `send`) until graceful shutdown or cancellation, then unlinks
    /// it. Throws `SocketError` when the socket cannot be made.
    public func run() async throws {
        let fd: Int32
        do {
            fd = try Self.listen(at: path)
        } catch {
            // A read-only or full card: the agent must go on detecting and publishing without its local socket.
            logger.error("diag socket unavailable; running without it", metadata: ["error": "\(error)"])
            try? await gracefulShutdown()
            return
        }
        let stop = stopRequested
        let finished = Locked(false)
        PosixThread.detach {
            self.acceptLoop(fd)
            close(fd)
            finished.withLock { $0 = true }
        }
        logger.info("diag socket ready", metadata: ["path": "\(path)"])
        await withTaskCancellationHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let diagnostics = await linkDiagnostics()
                snapshot.update { $0.link = Self.reading(diagnostics) }
                let watched = lastClientMonoNs.withLock { $0 }.map {
                    SystemClock.monotonicNs() - $0 < Self.watchedForNs
                }
                let pause = watched == true ? Self.watchedRefresh : Self.quietRefresh
                let clock = clock
                try? await cancelWhenGracefulShutdown {
                    try await clock.sleep(until: clock.now.advanced(by: pause), tolerance: nil)
                }
            }
        } onCancel: {
            stop.withLock { $0 = true }
            shutdown(fd, Int32(SHUT_RDWR))
        }
        stop.withLock { $0 = true }
        shutdown(fd, Int32(SHUT_RDWR))
        while !finished.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(20)) }
        unlink(path)
    }

    private static func reading(_ diagnostics: MqttLinkDiagnostics) -> AgentSnapshot.LinkReading {
        var reading = AgentSnapshot.LinkReading()
        switch diagnostics.phase {
        case .idle: reading.state = "starting"
        case .connecting: reading.state = "connecting"
        case .connected: reading.state = "connected"
        case .waiting: reading.state = "waiting to retry"
        case .authRejected: reading.state = "credentials refused"
        case .stopped: reading.state = "stopped"
        }
        reading.lastError = diagnostics.lastError
        reading.session = diagnostics.session
        reading.acknowledged = diagnostics.acknowledged
        reading.inFlight = diagnostics.inFlight
        reading.broker = diagnostics.endpoint
        reading.mqttVersion = "\(diagnostics.protocolVersion)"
        reading.setAside = diagnostics.setAside
        return reading
    }

    private func acceptLoop(_ fd: Int32) {
        while !stopRequested.withLock({ $0 }) {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 5_000) > 0, !stopRequested.withLock({ $0 }) else { continue }
            let client = accept(fd, nil, nil)
            guard client >= 0 else { continue }
            lastClientMonoNs.withLock { $0 = SystemClock.monotonicNs() }
            var body = report()
            body.append(UInt8(ascii: "\n"))
            var sent = 0
            while sent < body.count {
                let count = body[sent...].withUnsafeBytes {
                    send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
                if count <= 0 { break }
                sent += count
            }
            close(client)
        }
    }

    /// Binds a fresh socket at `path` (a stale one from a killed agent is removed first), mode 0660.
    static func listen(at path: String) throws(SocketError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError(path: path, step: "socket", errno: errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw SocketError(path: path, step: "bind (path too long)", errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        unlink(path)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw SocketError(path: path, step: "bind", errno: code)
        }
        chmod(path, 0o660)
        guard Glibc.listen(fd, 8) == 0 else {
            let code = errno
            close(fd)
            throw SocketError(path: path, step: "listen", errno: code)
        }
        return fd
    }
}
