/// One event as mqtt.md's `event` payload: a fault transition or an info event, stamped with identity and time.
public struct Event: Sendable, Hashable {
    /// The payload schema this build writes.
    public static let schema = "hoistwatch.event/1"

    /// Unique per event, identical on every retransmission (UUIDv7).
    public var id: String
    /// Rises by one per event per device, across restarts. Nil until the event is numbered: by the outbox in the
    /// transaction that stores it (the agent), or by the stamper (`replay`).
    public var seq: Int64?
    /// The board's `device_id` (the site config's in the agent, the calibration's in `replay`): the `{device_id}`
    /// of the event's topic.
    public var deviceId: String
    /// Which fault (or info event) this is, sent as its snake_case name (`overspeed`, `sensor_fault`, ...).
    public var type: FaultType
    /// Whether the fault was `raised` or `cleared`.
    public var transition: Transition
    /// How urgent: `alarm`, `warning` or `info`; the outbox sends the backlog and drops by it.
    public var severity: Severity
    /// Monotonic time of the transition (trace time in replay).
    public var monoNs: Int64
    /// The kernel's boot id when the event happened (a random one per `replay`): `mono_ns` orders events only
    /// within one boot.
    public var bootId: String
    /// Wall time, nanoseconds since the Unix epoch.
    public var wallNs: Int64
    /// False while the board's clock was not yet synchronised when the event happened.
    public var timeSynced: Bool
    /// The readings that explain the transition, units in the key names (`speed_mps`, `position_m`, ...).
    public var data: EventData
    /// On a `cleared` event: the `id` of the matching `raised` one.
    public var raisedId: String?
    /// On a `cleared` event: how long the fault was raised, seconds.
    public var durationS: Double?
    /// Sent later than it happened (backlog after an outage).
    public var historical: Bool = false
    /// False when the board could not store the event (a `storage_fault`): it was published from memory and is lost
    /// if the agent stops before the store works again (mqtt.md: `"durable": false`). Set by the sender, never stored.
    public var durable: Bool = true

    /// An event with every field given; `historical` starts false (the sender sets it). The stamper is what normally
    /// makes one, so that identity and clocks are given once.
    public init(
        id: String, seq: Int64?, deviceId: String, type: FaultType, transition: Transition, severity: Severity,
        monoNs: Int64, bootId: String, wallNs: Int64, timeSynced: Bool, data: EventData,
        raisedId: String? = nil, durationS: Double? = nil
    ) {
        self.id = id
        self.seq = seq
        self.deviceId = deviceId
        self.type = type
        self.transition = transition
        self.severity = severity
        self.monoNs = monoNs
        self.bootId = bootId
        self.wallNs = wallNs
        self.timeSynced = timeSynced
        self.data = data
        self.raisedId = raisedId
        self.durationS = durationS
    }
}
