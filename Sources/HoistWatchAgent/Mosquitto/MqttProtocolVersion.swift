/// The MQTT version one connection speaks (`MOSQ_OPT_PROTOCOL_VERSION`).
///
/// MQTT 5 says what 3.1.1 cannot: a PUBACK carries a reason code, so a broker that takes a message and drops it (a
/// payload over Mosquitto's `message_size_limit`, a topic its ACL denies) says so; and its CONNACK carries the
/// broker's maximum packet size and receive maximum, so the board can keep within them instead of being
/// disconnected.
public enum MqttProtocolVersion: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// MQTT 3.1.1 (protocol level 4).
    case v311 = "3.1.1"
    /// MQTT 5.0 (protocol level 5).
    case v5 = "5"

    /// "3.1.1" or "5".
    public var description: String { rawValue }
}
