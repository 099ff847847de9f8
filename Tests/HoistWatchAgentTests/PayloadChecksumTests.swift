import Testing

@testable import HoistWatchAgent

@Suite struct PayloadChecksumTests {
    /// The reference values are zlib's `crc32` of the same bytes (id, topic, payload and seq, each followed by a zero
    /// byte): `python3 -c 'import zlib; print(zlib.crc32(b"evt-1\0hw/dev1/event\0{\"seq\":1}\0" b"1\0"))'`.
    @Test func isZlibsCRC32OfIdTopicPayloadAndSeq() {
        #expect(
            PayloadChecksum.of(id: "evt-1", topic: "hw/dev1/event", payload: Array("{\"seq\":1}".utf8), seq: 1)
                == 3_146_314_652)
        #expect(
            PayloadChecksum.of(id: "status-1", topic: "hw/dev1/status", payload: Array("{}".utf8), seq: nil)
                == 1_431_929_340)
    }

    /// Any single changed byte of what is sent changes the checksum (seeded random flips).
    @Test func everySingleByteChangeIsFound() {
        var random = SplitMix(seed: 14)
        let payload = (0..<2048).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let reference = PayloadChecksum.of(id: "evt-7", topic: "t", payload: payload, seq: 7)
        for _ in 0..<500 {
            var damaged = payload
            let index = Int(random.next() % UInt64(payload.count))
            damaged[index] ^= UInt8(truncatingIfNeeded: random.next() % 255 + 1)
            #expect(PayloadChecksum.of(id: "evt-7", topic: "t", payload: damaged, seq: 7) != reference)
        }
        #expect(PayloadChecksum.of(id: "evt-7", topic: "t", payload: payload, seq: 8) != reference)
        #expect(PayloadChecksum.of(id: "evt-8", topic: "t", payload: payload, seq: 7) != reference)
    }

    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
