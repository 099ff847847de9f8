import Testing

@testable import HoistWatchAgent
@testable import HoistWatchCore

/// Flight records cut into parts that fit the message size limit, and joined again by the documented rule.
@Suite struct EventRoutingRecordTests {
    static let raised = EventRoutingTests.event(.alarm)

    /// `count` door edges, one a millisecond at times jittered within it (a multiplicative hash of `n`): about 40
    /// bytes of trace text each, and about 2 once compressed as the agent sends records (`FlightRecordPayload`), so
    /// the payload still grows with the record.
    static func jitteredDoorEdges(_ count: Int) -> [InputEvent] {
        (0..<count).map { n in
            let jitterNs = Int64((UInt64(n) &* 2_654_435_761) % 999_983)
            return InputEvent(tNs: Int64(n) * 1_000_000 + jitterNs, source: .line(.doorClosed), value: Int32(n % 2))
        }
    }

    /// A record of `edges` door edges (`jitteredDoorEdges`).
    static func record(edges: Int) -> FlightRecord {
        let header = TraceHeader(equipment: .elevator, deviceId: "37010000000000000001", note: "test record")
        return FlightRecord(
            eventId: raised.id, type: .overspeed, raisedAtNs: 0, header: header, events: jitteredDoorEdges(edges),
            truncated: false)
    }

    @Test func aRecordThatFitsStaysOneEntryOnItsTopic() {
        let routing = EventRouting(topicPrefix: "hoistwatch/v1", deviceId: "37010000000000000001")
        let entries = routing.entries(for: Self.record(edges: 100), raised: Self.raised)
        #expect(entries.count == 1)
        #expect(entries == [routing.entry(for: Self.record(edges: 100), raised: Self.raised)])
        #expect(entries[0].topic == "hoistwatch/v1/37010000000000000001/record/\(Self.raised.id)")
    }

    @Test(arguments: [8_192, 20_000, 65_536, 131_072])
    func aLargerRecordIsCutIntoPartsThatEachFitAndJoinToTheWhole(limit: Int) throws {
        let routing = EventRouting(
            topicPrefix: "hoistwatch/v1", deviceId: "37010000000000000001", maxMessageBytes: limit)
        let record = Self.record(edges: 200_000)
        // What an unsplit record would carry: the trace compressed (`FlightRecordPayload`); the parts cut that.
        let whole = routing.entry(for: record, raised: Self.raised).payload
        try #require(whole.count > 2 * limit, "\(whole.count) bytes compressed: too few to be cut at \(limit)")
        let parts = routing.entries(for: record, raised: Self.raised)
        // As few parts as the room each leaves (the limit less the header and the part's topic) allows.
        let room = MqttPacketSize.maxPayload(topicBytes: parts.last!.topic.utf8.count, maxPacketBytes: limit)
        #expect(parts.count == (whole.count + room - 1) / room, "\(parts.count) parts of \(whole.count) bytes")
        let base = "hoistwatch/v1/37010000000000000001/record/\(Self.raised.id)"
        for (index, part) in parts.enumerated() {
            #expect(part.topic == "\(base)/\(index + 1)/\(parts.count)")
            #expect(part.id == "record-\(Self.raised.id)/\(index + 1)/\(parts.count)")
            #expect(MqttSendLane(id: part.id) == .records)
            #expect(part.priority == .alarm && part.seq == nil && !part.retained)
            #expect(
                MqttPacketSize.publish(topicBytes: part.topic.utf8.count, payloadBytes: part.payload.count) <= limit)
        }
        // Every part but the last is as full as the limit allows.
        for part in parts.dropLast() {
            let room = MqttPacketSize.maxPayload(topicBytes: part.topic.utf8.count, maxPacketBytes: limit)
            #expect(part.payload.count >= room - 2)
        }
        // The rule: join the payloads of parts 1 to n in part order.
        #expect(parts.flatMap(\.payload) == whole)
    }
}
