/// Everything the MQTT link service needs to know besides the outbox and the payload closures.
public struct MqttLinkConfiguration: Sendable {
    /// Another broker of the same platform: same TLS files, credentials and client id, another address.
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        /// Host name or address.
        public var host: String
        /// Port.
        public var port: Int

        /// The broker at `host`:`port`.
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// `host:port`.
        public var description: String { "\(host):\(port)" }
    }

    /// Where and how to connect (the primary). `will` and `maxInflightMessages` are set by the service (the will
    /// from its `will` closure on `statusTopic`, the in-flight limit from the link's windows).
    public var broker: MosquittoOptions
    /// The backup brokers, in the order they are tried after the primary.
    public var backups: [Endpoint]
    /// `{prefix}/{device_id}/status`: birth and will are published here, retained.
    public var statusTopic: String
    /// `{prefix}/{device_id}/birth`: the birth is published here too, retained, and nothing else ever is, so a late
    /// subscriber finds the last birth's fields; nil for none.
    public var birthTopic: String?
    /// Backoff, credential retry, windows, timeouts, failover and the message size limit.
    public var link: MqttLink.Configuration

    /// A configuration with the link defaults; `link.endpointCount` is set from `backups`.
    public init(
        broker: MosquittoOptions, statusTopic: String, link: MqttLink.Configuration = .init(),
        backups: [Endpoint] = [], birthTopic: String? = nil
    ) {
        self.broker = broker
        self.statusTopic = statusTopic
        self.backups = backups
        self.birthTopic = birthTopic
        self.link = link
        self.link.endpointCount = 1 + backups.count
    }

    /// The primary, then the backups (`MqttLink.endpoint` indexes it).
    public var endpoints: [Endpoint] { [Endpoint(host: broker.host, port: broker.port)] + backups }
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
    /// The broker of the current or next attempt (`host:port`).
    public var endpoint: String
    /// The MQTT version of the current or next attempt.
    public var protocolVersion: MqttProtocolVersion
    /// What the current connection's CONNACK said the broker takes (`.none` when not connected, or on 3.1.1).
    public var brokerLimits: MqttBrokerLimits
    /// Entries set aside since start (refused by the broker again and again, or too large to send).
    public var setAside: Int
    /// Entries published and not yet acknowledged.
    public var inFlight: Int
    /// PUBACKs received since the service started (their removal from the outbox follows within 5 ms).
    public var acknowledged: Int
    /// The service's monotonic clock when the snapshot was taken (the time base of `phase`).
    public var nowNs: Int64
}
