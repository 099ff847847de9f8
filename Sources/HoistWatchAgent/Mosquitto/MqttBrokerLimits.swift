/// What an MQTT 5 broker's CONNACK says it takes (MQTT 5.0, 3.2.2.3): nil for a property it did not send, and always
/// nil on MQTT 3.1.1, which has no properties.
public struct MqttBrokerLimits: Sendable, Hashable {
    /// Maximum Packet Size (property 39): the largest packet the broker accepts, bytes. Mosquitto sends its
    /// `max_packet_size`.
    public var maximumPacketBytes: Int?
    /// Receive Maximum (property 33): the most QoS 1 and 2 publications the broker takes unacknowledged at once.
    /// Mosquitto sends its `max_inflight_messages` (default 20).
    public var receiveMaximum: Int?

    /// Limits as a CONNACK gave them.
    public init(maximumPacketBytes: Int? = nil, receiveMaximum: Int? = nil) {
        self.maximumPacketBytes = maximumPacketBytes
        self.receiveMaximum = receiveMaximum
    }

    /// No limits said (MQTT 3.1.1, or a broker that sent none).
    public static let none = MqttBrokerLimits()

    /// The MQTT 5 property identifiers read from a CONNACK.
    static let maximumPacketSizeProperty: Int32 = 39
    static let receiveMaximumProperty: Int32 = 33
}
