/// Sizes of MQTT PUBLISH packets on the wire, for the per-message limit (`broker.max_message_bytes`): what a broker's
/// `max_packet_size` compares is the whole packet, its `message_size_limit` the payload alone, so a PUBLISH that
/// fits the first fits the second. An MQTT 5 PUBLISH carries one byte more than a 3.1.1 one (its empty property
/// list's length), so sizes are counted as MQTT 5 unless told: what fits then fits either version.
public enum MqttPacketSize {
    /// Bytes of a PUBLISH packet: fixed header (1), remaining length (1 to 4), topic length (2) and topic, packet
    /// id (2, QoS 1 and 2), property length (1, MQTT 5, no properties) and payload.
    public static func publish(
        topicBytes: Int, payloadBytes: Int, qos: Int = 1, protocolVersion: MqttProtocolVersion = .v5
    ) -> Int {
        let remaining =
            2 + topicBytes + (qos > 0 ? 2 : 0) + (protocolVersion == .v5 ? 1 : 0) + payloadBytes
        return 1 + remainingLengthBytes(remaining) + remaining
    }

    /// The largest payload a PUBLISH of `topicBytes` may carry within `maxPacketBytes` (0 when even an empty
    /// one does not fit).
    public static func maxPayload(
        topicBytes: Int, maxPacketBytes: Int, qos: Int = 1, protocolVersion: MqttProtocolVersion = .v5
    ) -> Int {
        let overhead = 1 + 4 + 2 + topicBytes + (qos > 0 ? 2 : 0) + (protocolVersion == .v5 ? 1 : 0)
        var payload = max(0, maxPacketBytes - overhead)
        while payload > 0,
            publish(topicBytes: topicBytes, payloadBytes: payload + 1, qos: qos, protocolVersion: protocolVersion)
                <= maxPacketBytes
        {
            payload += 1
        }
        return payload
    }

    /// The variable-length encoding of `value` (MQTT 3.1.1, 2.2.3; MQTT 5, 1.5.5): 7 bits a byte.
    static func remainingLengthBytes(_ value: Int) -> Int {
        switch value {
        case ..<128: 1
        case ..<16_384: 2
        case ..<2_097_152: 3
        default: 4
        }
    }
}
