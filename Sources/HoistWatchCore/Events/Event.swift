/// One event as mqtt.md's `event` payload: a fault transition or an info event, stamped with identity and time.
public struct Event: Sendable, Hashable {
    /// The payload schema this build writes.
    public static let schema = "hoistwatch.event/1"

    /// Unique per event, identical on every retransmission (UUIDv7).
    public var id: String
    /// Rises by one per event per device, across restarts. Nil until the event is numbered: by the outbox in the
    /// transaction that stores it (the agent), or by the stamper (`replay`).
    public var seq: Int64?
    public var deviceId: String
    public var type: FaultType
    public var transition: Transition
    public var severity: Severity
    /// Monotonic time of the transition (trace time in replay).
    public var monoNs: Int64
    public var bootId: String
    /// Wall time, nanoseconds since the Unix epoch.
    public var wallNs: Int64
    /// False while the board's clock was not yet synchronised when the event happened.
    public var timeSynced: Bool
    public var data: EventData
    /// On a `cleared` event: the `id` of the matching `raised` one.
    public var raisedId: String?
    /// On a `cleared` event: how long the fault was raised, seconds.
    public var durationS: Double?
    /// Sent later than it happened (backlog after an outage).
    public var historical: Bool = false

    public init(id: String, seq: Int64?, deviceId: String, type: FaultType, transition: Transition, severity: Severity,
                monoNs: Int64, bootId: String, wallNs: Int64, timeSynced: Bool, data: EventData,
                raisedId: String? = nil, durationS: Double? = nil) {
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
