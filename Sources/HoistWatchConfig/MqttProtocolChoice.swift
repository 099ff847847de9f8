/// Which MQTT version the agent's link speaks (site setting `broker.mqtt_version`, default `auto`).
///
/// `auto` tries MQTT 5 first and falls back to 3.1.1, per endpoint, when the broker refuses MQTT 5 (CONNACK
/// "unsupported protocol version", which libmosquitto also reports for a 3.1.1 broker's "unacceptable protocol
/// version") or, before any attempt on that endpoint reached a CONNACK, when an MQTT 5 attempt ends without one (a
/// broker that just closes the connection); the version a CONNACK accepted stays for the endpoint until the agent
/// restarts.
public enum MqttProtocolChoice: String, Sendable, Hashable, CaseIterable {
    /// MQTT 5, falling back to 3.1.1 for a broker that does not speak it.
    case auto
    /// MQTT 5 only.
    case v5 = "5"
    /// MQTT 3.1.1 only: a broker's refusal of a message is then never said (see `MqttImplication`).
    case v311 = "3.1.1"
}
