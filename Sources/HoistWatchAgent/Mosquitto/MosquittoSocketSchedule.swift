/// What the network loop (`MosquittoNetworkLoop`) does for one libmosquitto connection: which readiness to poll its
/// socket for, when `mosquitto_loop_misc` must run next (keepalive), and which libmosquitto calls each wake-up needs.
/// Pure: the loop feeds it what poll(2) and libmosquitto said, with the time, and carries out the steps it returns.
///
/// What it encodes from libmosquitto's source (lib/loop.c, packet_mosq.c, util_mosq.c; 2.0 and 2.1):
/// - Keepalive counts whole seconds of CLOCK_MONOTONIC (`mosquitto_time`): a PINGREQ is due once the second
///   reaches the one of the last packet written plus the keepalive, so every write moves the deadline. libmosquitto's
///   own loop also wakes at least once a keepalive to check the read side; so does this one.
/// - Before the CONNACK the TLS handshake may leave libmosquitto "wanting to write" while it really waits for the
///   broker (2.0: a stale `want_write`, 2.1: the queued CONNECT it will not write before the handshake ends): polling
///   for writability then returns at once, forever. So when a writable socket was offered and libmosquitto still wants
///   to write, the loop stops asking for writability until the socket is readable, a publish wakes it, or the
///   keepalive deadline comes. libmosquitto 2.0 advances its TLS handshake only in `mosquitto_loop_read`, so before
///   the CONNACK a writable socket gets a read step too. After the CONNACK a write that stops early stops on EAGAIN,
///   and writability is what it needs: asked for as long as libmosquitto wants to write.
struct MosquittoSocketSchedule: Sendable, Equatable {
    /// The libmosquitto calls to make, in this order: `mosquitto_loop_read`, `mosquitto_loop_write`,
    /// `mosquitto_loop_misc`.
    struct Steps: OptionSet, Sendable, Hashable {
        let rawValue: UInt8
        static let read = Steps(rawValue: 1)
        static let write = Steps(rawValue: 2)
        static let misc = Steps(rawValue: 4)
    }

    /// What to poll the socket for.
    enum Interest: Sendable, Hashable {
        /// POLLIN (errors and hang-ups are always reported).
        case read
        /// POLLIN | POLLOUT.
        case readWrite
    }

    private enum Phase: Sendable, Equatable {
        /// No CONNACK yet; `writeStalled`: libmosquitto declined a writable socket (the TLS handshake waits for the
        /// broker).
        case handshake(writeStalled: Bool)
        /// CONNACK received.
        case session
    }

    private var phase = Phase.handshake(writeStalled: false)
    private let keepAliveNs: Int64
    /// When `mosquitto_loop_misc` must run next; nil without keepalive.
    private(set) var deadlineNs: Int64?

    /// A connection whose connect (`mosquitto_connect_async`) has just been made: libmosquitto set its keepalive
    /// timers then. `keepAliveS` 0: no keepalive, no deadline.
    init(keepAliveS: Int, nowNs: Int64) {
        keepAliveNs = Int64(max(0, keepAliveS)) * 1_000_000_000
        deadlineNs = nil
        restartKeepalive(nowNs: nowNs)
    }

    /// What to poll for, given `mosquitto_want_write`.
    func interest(wantsWrite: Bool) -> Interest {
        if case .handshake(writeStalled: true) = phase { return .read }
        return wantsWrite ? .readWrite : .read
    }

    /// poll(2) reported the socket: `readable` for POLLIN, POLLERR, POLLHUP or POLLNVAL (a read finds out which),
    /// `writable` for POLLOUT. Returns the steps to make, then `stepsDone`.
    mutating func socketReady(readable: Bool, writable: Bool) -> Steps {
        var steps: Steps = [.misc]
        if readable {
            steps.insert(.read)
            if case .handshake = phase { phase = .handshake(writeStalled: false) }
        }
        if writable {
            steps.insert(.write)
            if case .handshake = phase { steps.insert(.read) }
        }
        return steps
    }

    /// Something was queued from another thread (a publish, a subscribe, the disconnect of `close`). Returns the steps
    /// to make, then `stepsDone`: a write at once when libmosquitto wants one (the socket is most likely writable),
    /// as libmosquitto's own loop does on its wake-up byte.
    mutating func woken(wantsWrite: Bool) -> Steps {
        if case .handshake = phase { phase = .handshake(writeStalled: false) }
        return wantsWrite ? [.write, .misc] : []
    }

    /// The loop woke for the deadline (at `nowNs`): returns `.misc` when it has come, nothing before.
    mutating func timerFired(nowNs: Int64) -> Steps {
        guard let deadlineNs, nowNs >= deadlineNs else { return [] }
        if case .handshake = phase { phase = .handshake(writeStalled: false) }
        restartKeepalive(nowNs: nowNs)
        return [.misc]
    }

    /// The steps of `socketReady` or `woken` were made at `nowNs`; `offeredWritable`: poll had reported the socket
    /// writable; `wantsWrite`: `mosquitto_want_write` after them; `connackReceived`: the connect callback ran.
    mutating func stepsDone(
        _ steps: Steps, offeredWritable: Bool, wantsWrite: Bool, connackReceived: Bool, nowNs: Int64
    ) {
        if steps.contains(.write) { restartKeepalive(nowNs: nowNs) }
        if connackReceived {
            phase = .session
        } else if case .handshake = phase, offeredWritable, steps.contains(.write), wantsWrite {
            phase = .handshake(writeStalled: true)
        }
    }

    /// The first whole second libmosquitto's keepalive can act in, counted from `nowNs`.
    private mutating func restartKeepalive(nowNs: Int64) {
        guard keepAliveNs > 0 else { return }
        deadlineNs = (nowNs / 1_000_000_000) * 1_000_000_000 + keepAliveNs
    }
}
