import CMosquitto
import HoistWatchSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `mosquitto_lib_init`, once per process (Swift runs a global's initialiser exactly once, thread-safely).
private let mosquittoLibraryInitialised: Int32 = mosquitto_lib_init()

/// One MQTT connection through libmosquitto: owns the `struct mosquitto *` (`mosquitto_new` in `init`,
/// `mosquitto_destroy` in `deinit`) and libmosquitto's network thread (`mosquitto_loop_start`).
///
/// One client is one connection attempt: `connect()` once, and when it ends (`.disconnected` or
/// `.connectRefused`) the client stops; the owner makes a new one to reconnect. libmosquitto's own
/// reconnect loop (fixed delays, no jitter, tight retries on refused credentials) is switched off by calling
/// `mosquitto_disconnect` from the disconnect callback, so the reconnect policy lives in `MqttLink` only.
/// A fresh client per attempt also drops libmosquitto's in-memory queue of unacknowledged messages, which
/// the outbox re-sends itself.
///
/// Callbacks run on libmosquitto's thread and only yield into `events`.
public final class MosquittoClient: @unchecked Sendable {
    // @unchecked Sendable: `handle` and `options` never change after init; after `mosquitto_loop_start`,
    // libmosquitto guards its own state with its mutexes, so `mosquitto_publish`, `mosquitto_subscribe` and
    // `mosquitto_disconnect` may be called from any thread (libmosquitto's "threaded" mode); `phase` is behind a
    // lock; the stream continuation is Sendable.

    /// What the network thread reports: connect, refusal, disconnect, PUBACKs, messages, log lines.
    /// Finishes when the client is closed.
    public let events: AsyncStream<MosquittoEvent>

    /// The options the client was made with.
    public let options: MosquittoOptions

    private let continuation: AsyncStream<MosquittoEvent>.Continuation
    /// Called on libmosquitto's thread with each event, before it goes into `events` (nil for none).
    private let observer: (@Sendable (MosquittoEvent) -> Void)?
    private let handle: OpaquePointer
    private let phase = Locked(Phase.created)

    private enum Phase { case created, started, closed }

    /// Makes a client (`mosquitto_new`) and applies the options: `mosquitto_username_pw_set`,
    /// `mosquitto_tls_set`, `mosquitto_will_set`, `mosquitto_max_inflight_messages_set`.
    ///
    /// - Throws: `MosquittoError` naming the function, e.g. `mosquitto_tls_set` when a TLS file is unreadable.
    /// `observer`, when given, sees each event on libmosquitto's thread the moment it happens, before `events` does
    /// (for a caller that must order it against a clock without waiting for a task to run).
    public init(
        options: MosquittoOptions, observer: (@Sendable (MosquittoEvent) -> Void)? = nil
    ) throws(MosquittoError) {
        try checkMosquitto(mosquittoLibraryInitialised, "mosquitto_lib_init")
        guard let handle = mosquitto_new(options.clientID, options.cleanSession, nil) else {
            let savedErrno = errno
            throw MosquittoError(
                code: Int32(MOSQ_ERR_ERRNO.rawValue), operation: "mosquitto_new", errnoValue: savedErrno)
        }
        self.handle = handle
        self.options = options
        self.observer = observer
        (events, continuation) = AsyncStream.makeStream(of: MosquittoEvent.self, bufferingPolicy: .unbounded)
        // Passed after mosquitto_new because `self` exists only once every stored property is set; it is the
        // same `obj` libmosquitto hands to every callback. Unretained: deinit joins the thread before freeing.
        mosquitto_user_data_set(handle, Unmanaged.passUnretained(self).toOpaque())
        mosquitto_connect_callback_set(handle, onConnect)
        mosquitto_disconnect_callback_set(handle, onDisconnect)
        mosquitto_publish_callback_set(handle, onPublish)
        mosquitto_subscribe_callback_set(handle, onSubscribe)
        mosquitto_message_callback_set(handle, onMessage)
        mosquitto_log_callback_set(handle, onLog)

        if options.username != nil || options.password != nil {
            try checkMosquitto(
                mosquitto_username_pw_set(handle, options.username, options.password), "mosquitto_username_pw_set")
        }
        if let tls = options.tls {
            try checkMosquitto(
                mosquitto_tls_set(handle, tls.caFile, nil, tls.certFile, tls.keyFile, nil),
                "mosquitto_tls_set (ca \(tls.caFile), cert \(tls.certFile ?? "none"), key \(tls.keyFile ?? "none"))")
        }
        if let will = options.will {
            let rc = will.payload.withUnsafeBytes { bytes in
                mosquitto_will_set(handle, will.topic, Int32(bytes.count), bytes.baseAddress, 1, will.retained)
            }
            try checkMosquitto(rc, "mosquitto_will_set (\(will.topic))")
        }
        try checkMosquitto(
            mosquitto_max_inflight_messages_set(handle, UInt32(max(0, options.maxInflightMessages))),
            "mosquitto_max_inflight_messages_set")
    }

    deinit {
        stop()
        mosquitto_destroy(handle)
    }

    /// Starts connecting (`mosquitto_connect_async`) and starts the network thread (`mosquitto_loop_start`).
    /// The outcome arrives as `.connected`, `.connectRefused` or `.disconnected` on `events`.
    ///
    /// - Throws: `MosquittoError` when the attempt fails at once (unknown host, connection refused on a local
    ///   port, unreadable TLS files); no thread is started then.
    public func connect() throws(MosquittoError) {
        try phase.withLock { phase throws(MosquittoError) in
            guard case .created = phase else {
                throw MosquittoError(
                    code: Int32(MOSQ_ERR_INVAL.rawValue), operation: "connect",
                    message: "a MosquittoClient connects once; make a new one to reconnect")
            }
            try checkMosquitto(
                mosquitto_connect_async(handle, options.host, Int32(options.port), Int32(options.keepAliveS)),
                "mosquitto_connect_async (\(options.host):\(options.port))")
            try checkMosquitto(mosquitto_loop_start(handle), "mosquitto_loop_start")
            phase = .started
        }
    }

    /// `connect()` on a thread of its own, because `mosquitto_connect_async` resolves the host name and may
    /// block on DNS; a failure arrives as `.disconnected(error)` on `events`.
    public func connectInBackground() {
        PosixThread.detach {
            do throws(MosquittoError) {
                try self.connect()
            } catch {
                self.deliver(.disconnected(error))
            }
        }
    }

    /// Queues a message (`mosquitto_publish`) and returns its message id; with QoS 1 a `.published(mid:)`
    /// event follows when the broker acknowledges it.
    public func publish(
        topic: String, payload: [UInt8], qos: Int32 = 1, retain: Bool = false
    )
        throws(MosquittoError) -> Int32
    {
        var mid: Int32 = 0
        let rc = payload.withUnsafeBytes { bytes in
            mosquitto_publish(handle, &mid, topic, Int32(bytes.count), bytes.baseAddress, qos, retain)
        }
        try checkMosquitto(rc, "mosquitto_publish (\(topic))")
        return mid
    }

    /// Subscribes (`mosquitto_subscribe`); messages arrive as `.message` events. Returns the message id.
    @discardableResult
    public func subscribe(_ pattern: String, qos: Int32 = 1) throws(MosquittoError) -> Int32 {
        var mid: Int32 = 0
        try checkMosquitto(mosquitto_subscribe(handle, &mid, pattern, qos), "mosquitto_subscribe (\(pattern))")
        return mid
    }

    /// Disconnects (`mosquitto_disconnect`, after any queued messages are written), waits for the network
    /// thread to end (`mosquitto_loop_stop`) and finishes `events`. Blocks until then, up to `keepAliveS`
    /// while a connect attempt hangs; use `closeInBackground()` from async code. Never call it from inside the
    /// network thread.
    public func close() {
        stop()
    }

    /// `close()` on a thread of its own, keeping the client alive until it is done.
    public func closeInBackground() {
        PosixThread.detach { self.close() }
    }

    private func stop() {
        let wasStarted = phase.withLock { phase -> Bool in
            defer { phase = .closed }
            if case .started = phase { return true }
            return false
        }
        if wasStarted {
            mosquitto_disconnect(handle)
            // Not forced: pthread_cancel could stop the thread inside a callback of ours.
            mosquitto_loop_stop(handle, false)
        }
        continuation.finish()
    }

    fileprivate func deliver(_ event: MosquittoEvent) {
        observer?(event)
        continuation.yield(event)
    }

    /// Stops libmosquitto's automatic reconnect: with the state set to "disconnecting", its loop ends instead
    /// of sleeping and reconnecting.
    fileprivate func endAttempt() {
        mosquitto_disconnect(handle)
    }
}

/// Calls `body` with the client behind libmosquitto's `obj` without retaining it, so the last release (and
/// `deinit`, which joins this very thread) can never happen on the network thread.
private func withClient(_ obj: UnsafeMutableRawPointer?, _ body: (MosquittoClient) -> Void) {
    guard let obj else { return }
    Unmanaged<MosquittoClient>.fromOpaque(obj)._withUnsafeGuaranteedRef(body)
}

private func onConnect(_: OpaquePointer?, obj: UnsafeMutableRawPointer?, rc: Int32) {
    withClient(obj) { client in
        if rc == 0 {
            client.deliver(.connected)
        } else {
            client.endAttempt()
            client.deliver(.connectRefused(connackCode: rc, reason: String(cString: mosquitto_connack_string(rc))))
        }
    }
}

private func onDisconnect(_: OpaquePointer?, obj: UnsafeMutableRawPointer?, rc: Int32) {
    let savedErrno = errno
    withClient(obj) { client in
        client.endAttempt()
        if rc == 0 {
            client.deliver(.disconnected(nil))
        } else {
            client.deliver(.disconnected(MosquittoError(code: rc, operation: "connection", errnoValue: savedErrno)))
        }
    }
}

private func onPublish(_: OpaquePointer?, obj: UnsafeMutableRawPointer?, mid: Int32) {
    withClient(obj) { $0.deliver(.published(mid: mid)) }
}

private func onSubscribe(
    _: OpaquePointer?, obj: UnsafeMutableRawPointer?, mid: Int32, count: Int32, grantedQoS: UnsafePointer<Int32>?
) {
    withClient(obj) { $0.deliver(.subscribed(mid: mid)) }
}

private func onMessage(_: OpaquePointer?, obj: UnsafeMutableRawPointer?, message: UnsafePointer<mosquitto_message>?) {
    guard let message = message?.pointee else { return }
    let topic = message.topic.map { String(cString: $0) } ?? ""
    var payload: [UInt8] = []
    if let bytes = message.payload, message.payloadlen > 0 {
        payload = Array(UnsafeRawBufferPointer(start: bytes, count: Int(message.payloadlen)))
    }
    withClient(obj) { $0.deliver(.message(topic: topic, payload: payload, retained: message.retain)) }
}

private func onLog(_: OpaquePointer?, obj: UnsafeMutableRawPointer?, level: Int32, text: UnsafePointer<CChar>?) {
    // Debug lines name every packet; only info and above are worth a trip through the stream.
    guard level != MOSQ_LOG_DEBUG, let text else { return }
    let line = String(cString: text)
    withClient(obj) { client in
        client.deliver(.log(level: level, message: line))
        // When a TLS handshake fails inside the network thread (an untrusted broker certificate, say),
        // libmosquitto 2.0 ends its loop on the fatal MOSQ_ERR_TLS without calling the disconnect callback; this
        // log line is the only report, and it carries OpenSSL's reason. A TLS error always ends the connection.
        if level == MOSQ_LOG_ERR, line.hasPrefix("OpenSSL Error") {
            client.deliver(
                .disconnected(
                    MosquittoError(code: Int32(MOSQ_ERR_TLS.rawValue), operation: "TLS handshake", message: line)))
        }
    }
}
