/// The class an outbox entry is sent and dropped by.
///
/// Backlog goes out in ascending raw value (alarms first); when the outbox is full, the highest raw value is
/// dropped first (status first, alarms last).
public enum OutboxPriority: Int, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    /// A safety alarm transition.
    case alarm = 0
    /// A warning transition.
    case warning = 1
    /// An info event.
    case info = 2
    /// A status message (retained on the broker).
    case status = 3

    /// More important first: alarm < warning < info < status.
    public static func < (lhs: OutboxPriority, rhs: OutboxPriority) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The class's name as in payloads and metadata.
    public var description: String {
        switch self {
        case .alarm: "alarm"
        case .warning: "warning"
        case .info: "info"
        case .status: "status"
        }
    }
}
