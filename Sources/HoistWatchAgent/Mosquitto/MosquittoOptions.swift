/// How one `MosquittoClient` connects.
public struct MosquittoOptions: Sendable, CustomStringConvertible {
    /// Files for a TLS connection (`mosquitto_tls_set`).
    public struct TLS: Sendable, Hashable {
        /// PEM file of the CA(s) that signed the broker's certificate.
        public var caFile: String
        /// PEM client certificate, for brokers that require one.
        public var certFile: String?
        /// PEM private key of `certFile` (unencrypted: the agent runs unattended).
        public var keyFile: String?

        /// TLS with a CA file and optionally a client certificate and key.
        public init(caFile: String, certFile: String? = nil, keyFile: String? = nil) {
            self.caFile = caFile
            self.certFile = certFile
            self.keyFile = keyFile
        }
    }

    /// The message the broker publishes when the client drops without a DISCONNECT (`mosquitto_will_set`).
    public struct Will: Sendable, Hashable {
        /// Topic of the will (the status topic).
        public var topic: String
        /// Body of the will.
        public var payload: [UInt8]
        /// Retain the will on the broker.
        public var retained: Bool

        /// A QoS 1 will.
        public init(topic: String, payload: [UInt8], retained: Bool = true) {
            self.topic = topic
            self.payload = payload
            self.retained = retained
        }
    }

    /// Broker host name or address.
    public var host: String
    /// Broker port (1883 plain, 8883 TLS by convention).
    public var port: Int
    /// MQTT client id; brokers drop an older connection with the same id.
    public var clientID: String
    /// Clean session. The link uses true: it only publishes, and every unacknowledged message is re-sent from
    /// the outbox after a reconnect, so a broker-side session would only hold state nobody needs.
    public var cleanSession: Bool
    /// Keepalive in seconds; also bounds how long a connect attempt can hang before libmosquitto gives up.
    public var keepAliveS: Int
    /// User name, if the broker asks for one.
    public var username: String?
    /// Password; never logged or printed (`description` hides it).
    public var password: String?
    /// TLS files; nil for a plain TCP connection.
    public var tls: TLS?
    /// Last will.
    public var will: Will?
    /// Most QoS 1 messages in flight at once (`mosquitto_max_inflight_messages_set`); 0 for no limit. An MQTT 5
    /// broker's Receive Maximum replaces it once connected.
    public var maxInflightMessages: Int
    /// The MQTT version to speak (`MOSQ_OPT_PROTOCOL_VERSION`).
    public var protocolVersion: MqttProtocolVersion

    /// Options with defaults for everything but where to connect and as whom.
    public init(
        host: String, port: Int, clientID: String, cleanSession: Bool = true, keepAliveS: Int = 30,
        username: String? = nil, password: String? = nil, tls: TLS? = nil, will: Will? = nil,
        maxInflightMessages: Int = 20, protocolVersion: MqttProtocolVersion = .v311
    ) {
        self.host = host
        self.port = port
        self.clientID = clientID
        self.cleanSession = cleanSession
        self.keepAliveS = keepAliveS
        self.username = username
        self.password = password
        self.tls = tls
        self.will = will
        self.maxInflightMessages = maxInflightMessages
        self.protocolVersion = protocolVersion
    }

    /// Where and as whom, for logs; the password is never shown.
    public var description: String {
        "\(tls == nil ? "mqtt" : "mqtts")://\(username.map { "\($0)@" } ?? "")\(host):\(port) "
            + "client_id=\(clientID) mqtt=\(protocolVersion)\(password == nil ? "" : " password=<hidden>")"
    }
}
