/// What the network loop (`MosquittoNetworkLoop`) reports of a connection, delivered through `MosquittoClient.events`.
public enum MosquittoEvent: Sendable, Hashable {
    /// The broker accepted the connection (CONNACK 0).
    case connected
    /// The broker answered CONNACK with a refusal; `reason` is `mosquitto_connack_string(code)`.
    /// Codes 4 (bad user name or password) and 5 (not authorised) are credential failures.
    case connectRefused(connackCode: Int32, reason: String)
    /// The connection ended or could not be made; nil when the client asked for it. May come more than once
    /// for one connection (a TLS failure is reported from its log line and again if libmosquitto calls back).
    case disconnected(MosquittoError?)
    /// The broker acknowledged the QoS 1 message `mid` (PUBACK).
    case published(mid: Int32)
    /// The broker acknowledged a subscription (SUBACK).
    case subscribed(mid: Int32)
    /// A message arrived on a subscribed topic.
    case message(topic: String, payload: [UInt8], retained: Bool)
    /// A libmosquitto log line at info level or above (`MOSQ_LOG_*` level).
    case log(level: Int32, message: String)
}
