import HoistWatchAgent

/// `hoistwatch listen`'s connection: one `MosquittoClient` at a time (a client connects once), its events forwarded
/// into the listen loop tagged with its generation so that a replaced client's late events are ignored. A failure
/// before the first connection ends the command; a connection lost later is retried every 2 s.
struct ListenSession {
    /// What the loop does about a connection event.
    enum Reaction {
        case none
        case say(String)
        case fail(String)
    }

    let options: MosquittoOptions
    let patterns: [String]
    let inputs: AsyncStream<ListenInput>.Continuation
    let connectTimeoutS: Double
    /// The current client's number; events of older ones are stale.
    private(set) var generation = 0
    /// Whether the current client is connected.
    private(set) var connected = false
    private var everConnected = false
    private var client: MosquittoClient?

    init(
        options: MosquittoOptions, patterns: [String], inputs: AsyncStream<ListenInput>.Continuation,
        connectTimeoutS: Double
    ) {
        self.options = options
        self.patterns = patterns
        self.inputs = inputs
        self.connectTimeoutS = connectTimeoutS
    }

    /// A new client, connecting (`MosquittoClient.connect`); throws when the attempt fails at once.
    mutating func start() throws(MosquittoError) {
        client?.closeInBackground()
        generation += 1
        connected = false
        let client = try MosquittoClient(options: options)
        self.client = client
        let generation = generation
        let inputs = inputs
        Task {
            for await event in client.events { inputs.yield(.mqtt(generation: generation, event)) }
        }
        try client.connect()
        let timeoutNs = UInt64(connectTimeoutS * 1e9)
        Task {
            try? await Task.sleep(nanoseconds: timeoutNs)
            inputs.yield(.connectTimeout(generation: generation))
        }
    }

    /// What `event` of the current client means.
    mutating func handle(_ event: MosquittoEvent) -> Reaction {
        switch event {
        case .connected:
            connected = true
            everConnected = true
            for pattern in patterns {
                do throws(MosquittoError) {
                    try client?.subscribe(pattern)
                } catch {
                    return .fail("cannot subscribe to \(pattern): \(error)")
                }
            }
            return .say("         connected to the broker")
        case .connectRefused(let code, let reason):
            let hint = code == 4 || code == 5 ? " (check username and password_file)" : ""
            return .fail("the broker at \(options.host):\(options.port) refused the connection: \(reason)\(hint)")
        case .disconnected(let error):
            guard connected || everConnected else {
                return .fail(
                    "cannot connect to \(options.host):\(options.port): \(error.map { "\($0)" } ?? "disconnected")")
            }
            guard connected else { return .none }
            connected = false
            scheduleReconnect()
            return .say("         connection to the broker lost (\(error.map { "\($0)" } ?? "closed")); reconnecting")
        case .published, .publishRefused, .subscribed, .message, .log:
            return .none
        }
    }

    /// Asks the loop for a new client in 2 s.
    func scheduleReconnect() {
        let generation = generation
        let inputs = inputs
        Task {
            try? await Task.sleep(nanoseconds: 2_000_000_000)
            inputs.yield(.reconnect(generation: generation))
        }
    }

    /// Disconnects the current client (in the background: its network thread may wait out a hanging connect).
    mutating func close() {
        client?.closeInBackground()
        client = nil
        generation += 1
    }
}
