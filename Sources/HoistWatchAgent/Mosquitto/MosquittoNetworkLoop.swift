import CMosquitto
import HoistWatchSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The thread that runs libmosquitto connections, in place of libmosquitto's own (`mosquitto_loop_start`), which
/// waits in select(2) and so cannot serve a descriptor above 1023: a process with more than about 165 connections
/// and their SQLite files has them. This one waits in ppoll(2) and drives each connection through libmosquitto's
/// external-loop calls (`mosquitto_socket`, `mosquitto_want_write`, `mosquitto_loop_read`, `mosquitto_loop_write`,
/// `mosquitto_loop_misc`), as `MosquittoSocketSchedule` decides. Clients are in libmosquitto's threaded mode
/// (`mosquitto_threaded_set`), so other threads may publish; each publish wakes the loop through a `WakeSignal`.
/// libmosquitto still writes its own wake-up byte per queued packet into its socket pair, whose descriptors no public
/// call gives: unread, the pair fills after 278 packets (its 208 KB send buffer, kernel memory, until
/// `mosquitto_destroy`) and later writes fail at once.
///
/// One loop serves one client (a `MosquittoClient` makes its own unless given one: a thread per connection, as
/// libmosquitto's was) or many (the fleet bench: a few loops for thousands of boards). Its thread runs while a client
/// is attached and ends after the last one; the next attach starts another. The thread sleeps in ppoll(2) until a
/// socket is ready, a client is woken, or the earliest keepalive deadline. There is no reconnect here: a connection
/// that ends is detached, and its owner makes a new client.
public final class MosquittoNetworkLoop: @unchecked Sendable {
    // @unchecked Sendable: `shared` is behind its lock, `wake` is Sendable; the clients' loop state is touched only on
    // the loop's thread (`run`).

    private struct Shared {
        /// Whether a thread runs `run`.
        var running = false
        /// Attached since the thread last looked.
        var arriving: [MosquittoClient] = []
        /// Woken since the thread last looked (by object identity: a client woken twice is served once).
        var woken: [ObjectIdentifier: MosquittoClient] = [:]
        /// The wake signal was raised and the thread has not taken `woken` since: a further wake need not raise it.
        var raised = false
    }

    private let shared = Locked(Shared())
    private let wake = WakeSignal()

    /// A loop with no client and no thread yet.
    public init() {}

    /// Serves `client` (connected with `mosquitto_connect_async` a moment ago) from now until its connection ends;
    /// starts the thread if none runs.
    ///
    /// - Throws: `MosquittoError` when no thread can be made (`pthread_create`'s error number).
    func attach(_ client: MosquittoClient) throws(MosquittoError) {
        let start = shared.withLock { state -> Bool in
            state.arriving.append(client)
            defer { state.running = true }
            return !state.running
        }
        guard start else {
            wake.signal()
            return
        }
        // Named as libmosquitto named its own, for `top -H` and the cost bench's busiest threads.
        let code = PosixThread.spawnDetached(named: "mosquitto loop") { self.run() }
        guard code == 0 else {
            shared.withLock { state in
                state.running = false
                state.arriving.removeAll { $0 === client }
            }
            throw MosquittoError(
                code: Int32(MOSQ_ERR_ERRNO.rawValue), operation: "pthread_create (MQTT network loop)", errnoValue: code)
        }
    }

    /// Tells the thread that `client` has something queued (a publish, a subscribe, a disconnect). Cheap when the
    /// thread has not yet looked since the last wake: no system call then. Without a thread nothing is attached, and
    /// nothing is kept: a client attached later is served as woken.
    func wake(_ client: MosquittoClient) {
        let raise = shared.withLock { state -> Bool in
            // Held only while a thread will take it: a client here keeps its own loop alive.
            guard state.running else { return false }
            state.woken[ObjectIdentifier(client)] = client
            defer { state.raised = true }
            return !state.raised
        }
        if raise { wake.signal() }
    }

    /// The thread's body: returns once no client is attached.
    private func run() {
        var clients: [MosquittoClient] = []
        // Entry 0 is the wake signal's; entry i + 1 is clients[i]'s socket.
        var entries = [pollfd(fd: -1, events: 0, revents: 0)]
        while true {
            let news = shared.withLock { state -> (arrived: [MosquittoClient], woken: [MosquittoClient])? in
                guard !clients.isEmpty || !state.arriving.isEmpty else {
                    state.running = false
                    state.woken = [:]
                    state.raised = false
                    return nil
                }
                defer {
                    state.arriving = []
                    state.woken = [:]
                    state.raised = false
                }
                return (state.arriving, Array(state.woken.values))
            }
            guard let news else { return }
            var nowNs = SystemClock.monotonicNs()
            for client in news.arrived {
                client.loopState = LoopState(
                    schedule: MosquittoSocketSchedule(keepAliveS: client.options.keepAliveS, nowNs: nowNs))
                clients.append(client)
                serve(client, offeredWritable: false, nowNs: nowNs) { schedule, wantsWrite in
                    schedule.woken(wantsWrite: wantsWrite)
                }
            }
            for client in news.woken where client.loopState?.ended == false {
                serve(client, offeredWritable: false, nowNs: nowNs) { schedule, wantsWrite in
                    schedule.woken(wantsWrite: wantsWrite)
                }
            }
            for client in clients where client.loopState?.ended == false {
                serve(client, offeredWritable: false, nowNs: nowNs) { schedule, _ in schedule.timerFired(nowNs: nowNs) }
            }
            clients.removeAll { $0.loopState?.ended != false }
            guard !clients.isEmpty else { continue }

            entries.removeSubrange(1...)
            var deadlineNs: Int64?
            for client in clients {
                let schedule = client.loopState!.schedule
                let events: Int32
                switch schedule.interest(wantsWrite: mosquitto_want_write(client.handle)) {
                case .read: events = POLLIN
                case .readWrite: events = POLLIN | POLLOUT
                }
                entries.append(pollfd(fd: mosquitto_socket(client.handle), events: Int16(events), revents: 0))
                if let due = schedule.deadlineNs { deadlineNs = min(deadlineNs ?? due, due) }
            }
            guard wake.wait(untilMonotonicNs: deadlineNs, polling: &entries) != nil else {
                // Only EINVAL (more descriptors than RLIMIT_NOFILE) or ENOMEM: nothing to wait on, so every
                // connection ends rather than the thread spinning.
                let error = MosquittoError(
                    code: Int32(MOSQ_ERR_ERRNO.rawValue), operation: "ppoll (MQTT network loop)")
                for client in clients { client.connectionEnded(error) }
                clients = []
                continue
            }
            nowNs = SystemClock.monotonicNs()
            for (index, client) in clients.enumerated() {
                let revents = Int32(entries[index + 1].revents)
                guard revents != 0 else { continue }
                let writable = revents & POLLOUT != 0
                let readable = revents & (POLLIN | POLLPRI | POLLERR | POLLHUP | POLLNVAL) != 0
                serve(client, offeredWritable: writable, nowNs: nowNs) { schedule, _ in
                    schedule.socketReady(readable: readable, writable: writable)
                }
            }
            clients.removeAll { $0.loopState?.ended != false }
        }
    }

    /// Makes the libmosquitto calls `decide` returns for `client`, then tells the schedule what they left; detaches
    /// the client when its socket is gone.
    private func serve(
        _ client: MosquittoClient, offeredWritable: Bool, nowNs: Int64,
        decide: (inout MosquittoSocketSchedule, _ wantsWrite: Bool) -> MosquittoSocketSchedule.Steps
    ) {
        guard var state = client.loopState, !state.ended else { return }
        let handle = client.handle
        let steps = decide(&state.schedule, mosquitto_want_write(handle))
        client.loopState = state
        guard !steps.isEmpty else { return }
        // The first failure is the one that ended the connection; errno is read right after it.
        var failure: MosquittoError?
        func record(_ rc: Int32) {
            if rc != Int32(MOSQ_ERR_SUCCESS.rawValue), failure == nil {
                failure = MosquittoError(code: rc, operation: "connection")
            }
        }
        if steps.contains(.read) { record(mosquitto_loop_read(handle, 1)) }
        if steps.contains(.write), mosquitto_socket(handle) >= 0 { record(mosquitto_loop_write(handle, 1)) }
        if steps.contains(.misc), mosquitto_socket(handle) >= 0 { record(mosquitto_loop_misc(handle)) }
        guard mosquitto_socket(handle) >= 0 else {
            client.connectionEnded(failure)
            return
        }
        guard var after = client.loopState else { return }
        after.schedule.stepsDone(
            steps, offeredWritable: offeredWritable, wantsWrite: mosquitto_want_write(handle),
            connackReceived: after.connackReceived, nowNs: nowNs)
        client.loopState = after
    }
}

/// What the network loop keeps for one attached client; read and written only on the loop's thread.
struct LoopState {
    /// When to call what.
    var schedule: MosquittoSocketSchedule
    /// The connect callback ran with CONNACK 0.
    var connackReceived = false
    /// The connection ended and the client was detached.
    var ended = false
}
