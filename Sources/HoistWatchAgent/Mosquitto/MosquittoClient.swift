import CMosquitto
import Dispatch
import HoistWatchSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `mosquitto_lib_init`, once per process (Swift runs a global's initialiser exactly once, thread-safely). SIGPIPE
/// is ignored first, as libmosquitto 2.0's `mosquitto_new` did: 2.1 no longer does (it sends with MSG_NOSIGNAL on a
/// plain socket), but OpenSSL writes a TLS connection with write(2), so a TLS write after the broker closed (the
/// close_notify of a clean disconnect) would kill the process.
private let mosquittoLibraryInitialised: Int32 = {
    signal(SIGPIPE, SIG_IGN)
    return mosquitto_lib_init()
}()

/// One MQTT connection through libmosquitto: owns the `struct mosquitto *` (`mosquitto_new` in `init`,
/// `mosquitto_destroy` in `deinit`); a `MosquittoNetworkLoop` runs its network side (ppoll(2), not libmosquitto's
/// select(2) thread, so it works with any descriptor number).
///
/// One client is one connection attempt: `connect()` once, and when it ends (`.disconnected` or
/// `.connectRefused`) the client stops; the owner makes a new one to reconnect. The network loop never reconnects
/// (libmosquitto's own loop would, with fixed delays, no jitter and tight retries on refused credentials), so the
/// reconnect policy lives in `MqttLink` only. A fresh client per attempt also drops libmosquitto's in-memory queue
/// of unacknowledged messages, which the outbox re-sends itself.
///
/// Callbacks run on the network loop's thread and only yield into `events`. While connected the loop holds the
/// client: one dropped without `close()` keeps its connection until the connection ends.
public final class MosquittoClient: @unchecked Sendable {
    // @unchecked Sendable: `handle`, `options` and `network` never change after init; the client is in libmosquitto's
    // threaded mode (`mosquitto_threaded_set`), where libmosquitto guards its own state with its mutexes, so
    // `mosquitto_publish`, `mosquitto_subscribe` and `mosquitto_disconnect` may be called from any thread while the
    // network loop's thread reads and writes; `loopState` and `disconnectReported` are touched only on that thread
    // (or, before the client is attached, by the one thread connecting it); `phase` is behind a lock; the stream
    // continuation and the semaphore are Sendable.

    /// What the network loop reports: connect, refusal, disconnect, PUBACKs, messages, log lines.
    /// Finishes when the client is closed.
    public let events: AsyncStream<MosquittoEvent>

    /// The options the client was made with.
    public let options: MosquittoOptions

    /// What the broker's CONNACK said it takes (MQTT 5; `.none` on 3.1.1 or before the CONNACK). Set before
    /// `.connected` is delivered, so an owner reading it on that event sees the connection's limits.
    public var brokerLimits: MqttBrokerLimits { limits.withLock { $0 } }

    /// The libmosquitto handle; never leaves the module (the network loop drives it).
    let handle: OpaquePointer
    /// The network loop's bookkeeping while it serves this client.
    var loopState: LoopState?

    private let continuation: AsyncStream<MosquittoEvent>.Continuation
    /// Called on the network loop's thread with each event, before it goes into `events` (nil for none).
    private let observer: (@Sendable (MosquittoEvent) -> Void)?
    private let network: MosquittoNetworkLoop
    private let phase = Locked(Phase.created)
    private let limits = Locked(MqttBrokerLimits.none)
    /// Signalled when the network loop detaches the client.
    private let detached = DispatchSemaphore(value: 0)
    /// A `.disconnected` was delivered for this attempt.
    private var disconnectReported = false

    private enum Phase {
        case created
        /// Attached to the network loop.
        case started
        /// `close()` waits for the network loop to detach the client.
        case closing
        /// The connection ended; the network loop has let go of the client.
        case ended
        case closed
    }

    /// Makes a client (`mosquitto_new`) in libmosquitto's threaded mode (`mosquitto_threaded_set`) and applies the
    /// options: `mosquitto_username_pw_set`, `mosquitto_tls_set`, `mosquitto_will_set`,
    /// `mosquitto_max_inflight_messages_set`.
    ///
    /// - Throws: `MosquittoError` naming the function, e.g. `mosquitto_tls_set` when a TLS file is unreadable.
    /// `networkLoop` runs the connection, beside any other clients given the same one; nil: a loop of its own (a
    /// thread while connected). `observer`, when given, sees each event on the loop's thread the moment it happens,
    /// before `events` does (for a caller that must order it against a clock without waiting for a task to run).
    public init(
        options: MosquittoOptions, networkLoop: MosquittoNetworkLoop? = nil,
        observer: (@Sendable (MosquittoEvent) -> Void)? = nil
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
        network = networkLoop ?? MosquittoNetworkLoop()
        (events, continuation) = AsyncStream.makeStream(of: MosquittoEvent.self, bufferingPolicy: .unbounded)
        // Passed after mosquitto_new because `self` exists only once every stored property is set; it is the
        // same `obj` libmosquitto hands to every callback. Unretained: callbacks run only inside the network loop's
        // calls, and the loop holds the client while it is attached.
        mosquitto_user_data_set(handle, Unmanaged.passUnretained(self).toOpaque())
        // Publishing from other threads while the loop's thread reads and writes; libmosquitto then leaves every
        // write to the loop.
        try checkMosquitto(mosquitto_threaded_set(handle, true), "mosquitto_threaded_set")
        if options.protocolVersion == .v5 {
            try checkMosquitto(
                mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5),
                "mosquitto_int_option (MQTT 5)")
        }
        // The v5 callbacks serve 3.1.1 connections too (no properties, PUBACK reason 0), and they alone carry the
        // CONNACK's properties and a PUBACK's reason code.
        mosquitto_connect_v5_callback_set(handle, onConnect)
        mosquitto_disconnect_callback_set(handle, onDisconnect)
        mosquitto_publish_v5_callback_set(handle, onPublish)
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

    /// Starts connecting (`mosquitto_connect_async`) and hands the connection to the network loop, starting its
    /// thread if it has none. The outcome arrives as `.connected`, `.connectRefused` or `.disconnected` on `events`.
    ///
    /// - Throws: `MosquittoError` when the attempt fails at once (unknown host, connection refused on a local
    ///   port, unreadable TLS files, no thread for the loop).
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
            try network.attach(self)
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
        network.wake(self)
        return mid
    }

    /// Subscribes (`mosquitto_subscribe`); messages arrive as `.message` events. Returns the message id.
    @discardableResult
    public func subscribe(_ pattern: String, qos: Int32 = 1) throws(MosquittoError) -> Int32 {
        var mid: Int32 = 0
        try checkMosquitto(mosquitto_subscribe(handle, &mid, pattern, qos), "mosquitto_subscribe (\(pattern))")
        network.wake(self)
        return mid
    }

    /// Disconnects (`mosquitto_disconnect`, after any queued messages are written), waits for the network loop
    /// to let go of the connection and finishes `events`. Blocks until then, up to `keepAliveS` while a connect
    /// attempt hangs; use `closeInBackground()` from async code. Never call it on the network loop's thread (from an
    /// observer).
    public func close() {
        stop()
    }

    /// `close()` on a thread of its own, keeping the client alive until it is done.
    public func closeInBackground() {
        PosixThread.detach { self.close() }
    }

    private func stop() {
        let attached = phase.withLock { phase -> Bool in
            switch phase {
            case .started:
                phase = .closing
                return true
            case .created, .ended:
                phase = .closed
                return false
            case .closing, .closed:
                return false
            }
        }
        if attached {
            mosquitto_disconnect(handle)
            network.wake(self)
            detached.wait()
            phase.withLock { $0 = .closed }
        }
        continuation.finish()
    }

    /// Called by the network loop, on its thread, when the connection is gone: reports its end if libmosquitto did
    /// not (2.0 closes a connection whose TLS handshake failed without calling back), and lets `close()` return.
    func connectionEnded(_ failure: MosquittoError?) {
        loopState?.ended = true
        if !disconnectReported { deliver(.disconnected(failure)) }
        phase.withLock { phase in
            if case .started = phase { phase = .ended }
        }
        detached.signal()
    }

    fileprivate func deliver(_ event: MosquittoEvent) {
        if case .disconnected = event { disconnectReported = true }
        observer?(event)
        continuation.yield(event)
    }

    /// Ends a refused attempt on libmosquitto's side too (`mosquitto_disconnect`: its state "disconnected"): its
    /// disconnect callback, which follows, then carries no error, so a refusal is reported once, as `.connectRefused`.
    fileprivate func endAttempt() {
        mosquitto_disconnect(handle)
    }

    /// The connect callback saw CONNACK 0 (on the loop's thread), with these limits.
    fileprivate func noteConnack(_ brokerLimits: MqttBrokerLimits) {
        loopState?.connackReceived = true
        limits.withLock { $0 = brokerLimits }
    }
}

/// Calls `body` with the client behind libmosquitto's `obj` without retaining it (the network loop holds it).
private func withClient(_ obj: UnsafeMutableRawPointer?, _ body: (MosquittoClient) -> Void) {
    guard let obj else { return }
    Unmanaged<MosquittoClient>.fromOpaque(obj)._withUnsafeGuaranteedRef(body)
}

private func onConnect(
    _: OpaquePointer?, obj: UnsafeMutableRawPointer?, rc: Int32, flags: Int32, properties: OpaquePointer?
) {
    withClient(obj) { client in
        if rc == 0 {
            client.noteConnack(brokerLimits(properties))
            client.deliver(.connected)
        } else {
            client.endAttempt()
            // A 3.1.1 CONNACK code (1 to 5) and an MQTT 5 reason code (128 and above) have their own tables.
            let reason =
                client.options.protocolVersion == .v5 ? mosquitto_reason_string(rc) : mosquitto_connack_string(rc)
            client.deliver(.connectRefused(connackCode: rc, reason: reason.map { String(cString: $0) } ?? "code \(rc)"))
        }
    }
}

/// The Maximum Packet Size and Receive Maximum of a CONNACK's properties (none on MQTT 3.1.1).
private func brokerLimits(_ properties: OpaquePointer?) -> MqttBrokerLimits {
    guard let properties else { return .none }
    var limits = MqttBrokerLimits()
    var packet: UInt32 = 0
    if mosquitto_property_read_int32(properties, MqttBrokerLimits.maximumPacketSizeProperty, &packet, false) != nil {
        limits.maximumPacketBytes = Int(packet)
    }
    var receive: UInt16 = 0
    if mosquitto_property_read_int16(properties, MqttBrokerLimits.receiveMaximumProperty, &receive, false) != nil {
        limits.receiveMaximum = Int(receive)
    }
    return limits
}

private func onDisconnect(_: OpaquePointer?, obj: UnsafeMutableRawPointer?, rc: Int32) {
    let savedErrno = errno
    withClient(obj) { client in
        if rc == 0 {
            client.deliver(.disconnected(nil))
        } else {
            client.deliver(.disconnected(MosquittoError(code: rc, operation: "connection", errnoValue: savedErrno)))
        }
    }
}

private func onPublish(
    _: OpaquePointer?, obj: UnsafeMutableRawPointer?, mid: Int32, reasonCode: Int32, properties: OpaquePointer?
) {
    withClient(obj) { client in
        if reasonCode >= 0x80 {
            let reason = mosquitto_reason_string(reasonCode).map { String(cString: $0) } ?? "code \(reasonCode)"
            client.deliver(.publishRefused(mid: mid, reasonCode: reasonCode, reason: reason))
        } else {
            client.deliver(.published(mid: mid))
        }
    }
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
        // When a TLS handshake fails (an untrusted broker certificate, say), libmosquitto 2.0 closes the connection
        // without calling the disconnect callback (the network loop then reports it with the bare MOSQ_ERR_TLS); this
        // log line carries OpenSSL's reason, so it is the report. A TLS error always ends the connection.
        if level == MOSQ_LOG_ERR, line.hasPrefix("OpenSSL Error") {
            client.deliver(
                .disconnected(
                    MosquittoError(code: Int32(MOSQ_ERR_TLS.rawValue), operation: "TLS handshake", message: line)))
        }
    }
}
