/// A debounced change of the `door_zone` input, with the raw encoder count at the moment the wire changed (not
/// when the debounce confirmed it), so the floor-learning wizard can locate each door zone's edges in counts.
/// Counts are the decoder's own, never re-referenced: learning must not depend on the levels being learnt.
public struct DoorZoneMark: Sendable, Hashable {
    /// 1: the car entered a door zone; 0: it left one.
    public var level: UInt8
    /// Quadrature count (x4) at the raw edge.
    public var encoderCount: Int64
    /// Input time of the raw edge.
    public var tNs: Int64

    /// A mark of a change to `level` at the raw edge seen at `tNs` with the encoder at `encoderCount`.
    public init(level: UInt8, encoderCount: Int64, tNs: Int64) {
        self.level = level
        self.encoderCount = encoderCount
        self.tNs = tNs
    }
}
