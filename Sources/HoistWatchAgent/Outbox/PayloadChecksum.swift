/// The checksum every outbox and history row carries (schema 4): CRC-32 (IEEE 802.3, as zlib's `crc32`) of what is
/// sent from the row: its id, its topic, its payload and its seq (in decimal; empty without one), each followed by a
/// zero byte. A row whose bytes no longer
/// match it (a failing SD card returns altered pages that SQLite's own checks pass) is never sent.
///
/// CRC-32 finds every burst error up to 32 bits and all but one in 2^32 others: the card's damage is random, not
/// an adversary, so a cryptographic hash would buy nothing for its cost on every send.
enum PayloadChecksum {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    /// The checksum of an outbox row holding `entry`.
    static func of(_ entry: OutboxEntry) -> Int64 {
        of(id: entry.id, topic: entry.topic, payload: entry.payload, seq: entry.seq)
    }

    /// The checksum of a row with `id`, `topic` (empty for history rows), `payload` and `seq`, as a non-negative
    /// integer.
    static func of(id: String, topic: String, payload: [UInt8], seq: Int64?) -> Int64 {
        var crc: UInt32 = 0xFFFF_FFFF
        func add<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
            for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
            crc = table[Int(crc & 0xFF)] ^ (crc >> 8)  // the zero byte after each part
        }
        add(id.utf8)
        add(topic.utf8)
        add(payload)
        add(seq.map { String($0) }?.utf8 ?? "".utf8)
        return Int64(crc ^ 0xFFFF_FFFF)
    }
}
