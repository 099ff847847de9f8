/// What the link holds against one outbox entry that was in flight when connections ended (MQTT 3.1.1 never says
/// which message a broker refused: Mosquitto's `max_packet_size` just closes the connection).
public struct MqttImplication: Sendable, Hashable {
    /// Connections that ended with the entry in flight.
    public var losses = 0
    /// Connections that ended with the entry alone in flight: a try the broker refused.
    public var tries = 0

    /// Nothing held against it yet.
    public init() {}

    /// An entry in flight at two losses, or at one with it alone, goes again only alone, so the next loss says
    /// whether it is the one.
    public var needsIsolation: Bool { losses >= 2 || tries >= 1 }
}
