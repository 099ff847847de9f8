/// What the link holds against one outbox entry: connections that ended with it in flight (MQTT 3.1.1 never says
/// which message a broker refused: Mosquitto's `max_packet_size` just closes the connection), and the PUBACKs that
/// refused it (MQTT 5 says so).
public struct MqttImplication: Sendable, Hashable {
    /// Connections that ended with the entry in flight.
    public var losses = 0
    /// Connections that ended with the entry alone in flight: a try the broker refused.
    public var tries = 0

    /// PUBACKs with a failure reason code (MQTT 5).
    public var refusals = 0
    /// The last refusal, as the log and the set-aside reason name it ("0x87 not authorized", say).
    public var lastRefusal: String?
    /// The last refusal can never turn into an acceptance: the same bytes will be refused again (0x95 packet too
    /// large, 0x90 topic name invalid, 0x99 payload format invalid).
    public var refusedForGood = false

    /// Nothing held against it yet.
    public init() {}

    /// An entry in flight at two losses, or at one with it alone, goes again only alone, so the next loss says
    /// whether it is the one.
    public var needsIsolation: Bool { losses >= 2 || tries >= 1 }

    /// The reason codes of a refusal that sending the same message again cannot change.
    public static let refusalsForGood: Set<Int32> = [0x90, 0x95, 0x99]
}
