/// Gives a detector's transition its identity and time, once, as the engine makes it: `id` (UUIDv7 of the raise's
/// wall time), `device_id`, `boot_id`, `mono_ns`, `time`, `time_synced`, and, where nothing else numbers events
/// (`replay`), `seq`.
///
/// Pure: the clocks come from `clock`, which the shell keeps current; randomness comes from a seeded generator the
/// shell seeds. In the agent `seq` is left nil here and given by the outbox, in the transaction that stores the
/// event (mqtt.md: it survives restarts), so it is handed out once.
public struct EventStamper: Sendable {
    /// The `device_id` every stamped event carries.
    public let deviceId: String
    /// The `boot_id` every stamped event carries: the kernel's in the agent, a random one per `replay` run.
    public let bootId: String
    /// Where run time sits on the board's clocks; the shell updates it as it reads the system clocks.
    public var clock: EventClock
    /// The next `seq` to hand out, when this stamper numbers events (`replay`); nil: the outbox numbers them.
    public private(set) var nextSeq: Int64?
    private var ids: UUIDv7Generator

    /// A stamper for events of `deviceId` in boot `bootId`; `firstSeq` when the stamper numbers events itself.
    public init(deviceId: String, bootId: String, clock: EventClock, seed: UInt64, firstSeq: Int64? = nil) {
        self.deviceId = deviceId
        self.bootId = bootId
        self.clock = clock
        nextSeq = firstSeq
        ids = UUIDv7Generator(seed: seed)
    }

    /// For `replay`: seq from 1; wall time from the trace header's `start_time` offset if the caller has one,
    /// otherwise the Unix epoch plus trace time, marked not synced.
    public static func replay(deviceId: String, wallOffsetNs: Int64 = 0, timeSynced: Bool = false,
                              seed: UInt64 = UInt64.random(in: 0...UInt64.max)) -> EventStamper {
        var seeded = SplitMix64(seed: seed)
        let bootId = UUIDText.v4(&seeded)
        return EventStamper(deviceId: deviceId, bootId: bootId,
                            clock: EventClock(wallMinusMonoNs: wallOffsetNs, timeSynced: timeSynced),
                            seed: seeded.next(), firstSeq: 1)
    }

    /// Stamps one transition that happened at run time `runNs`.
    public mutating func stamp(type: FaultType, transition: Transition, severity: Severity, runNs: Int64,
                               data: EventData, raisedId: String? = nil, durationS: Double? = nil) -> Event {
        let monoNs = clock.monoNs(runNs: runNs)
        let wallNs = clock.wallNs(monoNs: monoNs)
        let event = Event(id: ids.next(unixMs: wallNs / 1_000_000), seq: nextSeq, deviceId: deviceId, type: type,
                          transition: transition, severity: severity, monoNs: monoNs, bootId: bootId, wallNs: wallNs,
                          timeSynced: clock.timeSynced, data: data, raisedId: raisedId, durationS: durationS)
        if let seq = nextSeq { nextSeq = seq + 1 }
        return event
    }
}

/// RFC 9562 version 7 ids that sort in the order they were made: 48 bits of Unix milliseconds, then a 12-bit
/// counter (method 1 of RFC 9562 section 6.2) that starts at a random value in its lower half each new millisecond
/// and counts up within one; a millisecond earlier than the last one (the wall clock stepped back) keeps the last.
struct UUIDv7Generator: Sendable {
    private var random: SplitMix64
    private var lastMs: Int64 = -1
    private var counter: UInt64 = 0

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func next(unixMs: Int64) -> String {
        var ms = max(0, unixMs)
        if ms > lastMs {
            counter = random.next() & 0x07FF
        } else {
            ms = lastMs
            counter += 1
            if counter > 0x0FFF {
                ms += 1
                counter = random.next() & 0x07FF
            }
        }
        lastMs = ms
        return UUIDText.v7(unixMs: ms, counter: counter, &random)
    }
}

/// UUID text without Foundation.
public enum UUIDText {
    /// RFC 9562 version 7 with `counter` (12 bits) as `rand_a`: ids of one millisecond sort by it.
    public static func v7(unixMs: Int64, counter: UInt64, _ random: inout some RandomNumberGenerator) -> String {
        let ms = UInt64(max(0, unixMs)) & 0xFFFF_FFFF_FFFF
        let randB = random.next() & 0x3FFF_FFFF_FFFF_FFFF
        let high = (ms << 16) | 0x7000 | (counter & 0x0FFF)
        let low = 0x8000_0000_0000_0000 | randB
        return format(high: high, low: low)
    }

    /// The Unix milliseconds of a version 7 id's text (nil when it is not one).
    public static func v7UnixMs(_ id: String) -> Int64? {
        let hex = id.utf8.filter { $0 != UInt8(ascii: "-") }
        guard hex.count == 32, hex[12] == UInt8(ascii: "7") else { return nil }
        var ms: Int64 = 0
        for digit in hex.prefix(12) {
            guard let value = hexValue(digit) else { return nil }
            ms = ms << 4 | Int64(value)
        }
        return ms
    }

    /// RFC 9562 version 4 (random).
    public static func v4(_ random: inout some RandomNumberGenerator) -> String {
        let high = (random.next() & 0xFFFF_FFFF_FFFF_0FFF) | 0x4000
        let low = (random.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return format(high: high, low: low)
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
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
