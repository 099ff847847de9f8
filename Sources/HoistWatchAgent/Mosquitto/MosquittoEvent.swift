/// What the network loop (`MosquittoNetworkLoop`) reports of a connection, delivered through `MosquittoClient.events`.
public enum MosquittoEvent: Sendable, Hashable {
    /// The broker accepted the connection (CONNACK 0).
    case connected
    /// The broker answered CONNACK with a refusal; `reason` is `mosquitto_connack_string(code)` on MQTT 3.1.1,
    /// `mosquitto_reason_string(code)` on MQTT 5. Codes 4 and 5 (MQTT 3.1.1), 134 and 135 (MQTT 5) are credential
    /// failures; 132 says the broker does not speak MQTT 5 (libmosquitto reports a 3.1.1 broker's "unacceptable
    /// protocol version" so).
    case connectRefused(connackCode: Int32, reason: String)
    /// The connection ended or could not be made; nil when the client asked for it. May come more than once
    /// for one connection (a TLS failure is reported from its log line and again if libmosquitto calls back).
    case disconnected(MosquittoError?)
    /// The broker acknowledged the QoS 1 message `mid` (PUBACK).
    case published(mid: Int32)
    /// The broker answered the QoS 1 message `mid` with a PUBACK whose reason code says it did not take it (MQTT 5
    /// only: 0x80 and above, e.g. 0x95 packet too large for Mosquitto's `message_size_limit`, 0x87 not authorised by
    /// its ACL); `reason` is `mosquitto_reason_string(reasonCode)`.
    case publishRefused(mid: Int32, reasonCode: Int32, reason: String)
    /// The broker acknowledged a subscription (SUBACK).
    case subscribed(mid: Int32)
    /// A message arrived on a subscribed topic.
    case message(topic: String, payload: [UInt8], retained: Bool)
    /// A libmosquitto log line at info level or above (`MOSQ_LOG_*` level).
    case log(level: Int32, message: String)
}
