/// What a platform subscriber learns from one message of the contract (mqtt.md), as `FleetWatch` judges it:
/// `hoistwatch listen` prints each one, as a readable line or as JSON.
public enum FleetObservation: Sendable, Hashable {
    /// An event seen for the first time (by `id`), with what its `seq` means for the board's sequence.
    case event(SeenEvent, seq: SeqTracker.Outcome)
    /// An event whose `id` was seen before: a retransmission (delivery is at least once), not shown again.
    case duplicate(deviceId: String, id: String, seq: Int64?)
    /// A birth: the board is online, with what it runs.
    case online(Birth)
    /// The board's will (the broker's, on a lost connection, or the agent's own on a clean stop): offline.
    case offline(deviceId: String, session: Int64?)
    /// A status message (birth or periodic): the board's faults and delivery picture now.
    case status(StatusSummary)
    /// The board's status counts more entries dropped at its outbox's cap than before: `added` per class since the
    /// last status, `total` since the outbox was created.
    case drops(deviceId: String, added: [String: Int64], total: [String: Int64])
    /// A flight record, decoded.
    case record(FlightRecordSummary)
    /// A message this subscriber cannot read: not JSON, not the contract's shape, or a topic outside it.
    case unreadable(topic: String, reason: String)

    /// The board the observation is about; nil for an unreadable message.
    public var deviceId: String? {
        switch self {
        case .event(let event, _): return event.deviceId
        case .duplicate(let deviceId, _, _), .offline(let deviceId, _), .drops(let deviceId, _, _): return deviceId
        case .online(let birth): return birth.deviceId
        case .status(let status): return status.deviceId
        case .record(let record): return record.deviceId
        case .unreadable: return nil
        }
    }
}

/// An event payload's fields as a subscriber reads them (mqtt.md "Event payload"), and the payload itself.
public struct SeenEvent: Sendable, Hashable {
    /// `device_id`.
    public var deviceId: String
    /// `id`.
    public var id: String
    /// `seq`; nil if the payload has none (`replay` output has one; a board's always does).
    public var seq: Int64?
    /// `type` (`overspeed`, ...).
    public var type: String
    /// `raised` or `cleared`.
    public var transition: String
    /// `alarm`, `warning` or `info`.
    public var severity: String
    /// `time` as sent (RFC 3339).
    public var time: String
    /// `historical`: sent from the backlog after an outage.
    public var historical: Bool
    /// `duration_s` of a cleared event.
    public var durationS: Double?
    /// `data`, its members.
    public var data: [String: JSONValue]
    /// The payload as received, for `--json`.
    public var payload: [UInt8]
}

/// The fields of a birth that say what the board runs.
public struct Birth: Sendable, Hashable {
    /// `device_id`.
    public var deviceId: String
    /// `session`: a new one means the board reconnected.
    public var session: Int64?
    /// `version`, `equipment`, `board` (nil when the birth lacks them).
    public var version: String?, equipment: String?, board: String?
    /// How many detectors are on (`detectors_on`).
    public var detectorsOn: Int
    /// Whether this is the retained copy the broker replayed at subscribe time (the board may have been online
    /// for a while) rather than a live connect.
    public var retained: Bool
}

/// A status message reduced to what the listener shows.
public struct StatusSummary: Sendable, Hashable {
    /// `device_id`.
    public var deviceId: String
    /// `kind`: `birth` or `periodic`.
    public var kind: String
    /// `type` (and `instance`) of every active fault.
    public var activeFaults: [String]
    /// `outbox.count`: entries waiting on the board.
    public var outboxCount: Int64?
    /// `counters.trips`.
    public var trips: Int64?
    /// `last_seq`: the last event the board stored.
    public var lastSeq: Int64?
}
