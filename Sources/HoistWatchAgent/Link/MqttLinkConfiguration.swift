/// Everything the MQTT link service needs to know besides the outbox and the payload closures.
public struct MqttLinkConfiguration: Sendable {
    /// Where and how to connect. `will` and `maxInflightMessages` are set by the service (the will from its
    /// `will` closure on `statusTopic`, the in-flight limit from `link.inFlightWindow`).
    public var broker: MosquittoOptions
    /// `{prefix}/{device_id}/status`: birth and will are published here, retained.
    public var statusTopic: String
    /// Backoff, credential retry, window and timeouts.
    public var link: MqttLink.Configuration

    /// A configuration with the link defaults.
    public init(broker: MosquittoOptions, statusTopic: String, link: MqttLink.Configuration = .init()) {
        self.broker = broker
        self.statusTopic = statusTopic
        self.link = link
    }
}

/// A snapshot of the link for `diag` and status messages. Holds no secrets.
public struct MqttLinkDiagnostics: Sendable, Hashable {
    /// Where the link is.
    public var phase: MqttLink.Phase
    /// The last failure, as a sentence.
    public var lastError: String?
    /// Failures since the last stable connection.
    public var consecutiveFailures: Int
    /// Connect attempts made since the service started.
    public var connectAttempts: Int
    /// Times the broker refused the credentials.
    public var authFailures: Int
    /// The last retry delay chosen, in nanoseconds.
    public var lastRetryDelayNs: Int64?
    /// The `session` counter of the current or last connection.
    public var session: Int64
    /// Entries published and not yet acknowledged.
    public var inFlight: Int
    /// PUBACKs received since the service started (their removal from the outbox follows within 5 ms).
    public var acknowledged: Int
    /// The service's monotonic clock when the snapshot was taken (the time base of `phase`).
    public var nowNs: Int64
}
