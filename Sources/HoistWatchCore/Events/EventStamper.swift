/// Gives a detector's transition its identity and time: `id` (UUIDv7), `seq`, `device_id`, `boot_id`, wall time.
///
/// Pure: wall time is computed from the monotonic time with an offset the shell supplies (and updates when the
/// clock syncs); randomness comes from a seeded generator the shell seeds.
public struct EventStamper: Sendable {
    public let deviceId: String
    public let bootId: String
    /// The next `seq` to hand out.
    public var nextSeq: Int64
    /// Wall time (ns since epoch) = monotonic ns + this offset.
    public var wallOffsetNs: Int64
    /// Whether the wall clock was synchronised when the offset was taken.
    public var timeSynced: Bool
    private var random: SplitMix64

    public init(deviceId: String, bootId: String, firstSeq: Int64, wallOffsetNs: Int64, timeSynced: Bool, seed: UInt64) {
        self.deviceId = deviceId
        self.bootId = bootId
        nextSeq = firstSeq
        self.wallOffsetNs = wallOffsetNs
        self.timeSynced = timeSynced
        random = SplitMix64(seed: seed)
    }

    /// For `replay`: seq from 1; wall time from the trace header's `start_time` offset if the caller has one,
    /// otherwise the Unix epoch plus trace time, marked not synced.
    public static func replay(deviceId: String, wallOffsetNs: Int64 = 0, timeSynced: Bool = false,
                              seed: UInt64 = UInt64.random(in: 0...UInt64.max)) -> EventStamper {
        var seeded = SplitMix64(seed: seed)
        let bootId = UUIDText.v4(&seeded)
        return EventStamper(deviceId: deviceId, bootId: bootId, firstSeq: 1, wallOffsetNs: wallOffsetNs,
                            timeSynced: timeSynced, seed: seeded.next())
    }

    /// Stamps one transition.
    public mutating func stamp(type: FaultType, transition: Transition, severity: Severity, monoNs: Int64,
                               data: EventData, raisedId: String? = nil, durationS: Double? = nil) -> Event {
        let wallNs = monoNs + wallOffsetNs
        let id = UUIDText.v7(unixMs: wallNs / 1_000_000, &random)
        let event = Event(id: id, seq: nextSeq, deviceId: deviceId, type: type, transition: transition,
                          severity: severity, monoNs: monoNs, bootId: bootId, wallNs: wallNs, timeSynced: timeSynced,
                          data: data, raisedId: raisedId, durationS: durationS)
        nextSeq += 1
        return event
    }
}

/// UUID text without Foundation.
public enum UUIDText {
    /// RFC 9562 version 7: 48-bit Unix milliseconds, then random bits; sortable by time.
    public static func v7(unixMs: Int64, _ random: inout some RandomNumberGenerator) -> String {
        let ms = UInt64(max(0, unixMs)) & 0xFFFF_FFFF_FFFF
        let randA = random.next() & 0x0FFF
        let randB = random.next() & 0x3FFF_FFFF_FFFF_FFFF
        let high = (ms << 16) | 0x7000 | randA
        let low = 0x8000_0000_0000_0000 | randB
        return format(high: high, low: low)
    }

    /// RFC 9562 version 4 (random).
    public static func v4(_ random: inout some RandomNumberGenerator) -> String {
        let high = (random.next() & 0xFFFF_FFFF_FFFF_0FFF) | 0x4000
        let low = (random.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return format(high: high, low: low)
    }

    private static func format(high: UInt64, low: UInt64) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(36)
        for (index, word) in [high, low].enumerated() {
            for nibble in 0..<16 {
                let position = index * 16 + nibble
                if position == 8 || position == 12 || position == 16 || position == 20 { bytes.append(UInt8(ascii: "-")) }
                bytes.append(digits[Int((word >> UInt64(60 - nibble * 4)) & 0xF)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
