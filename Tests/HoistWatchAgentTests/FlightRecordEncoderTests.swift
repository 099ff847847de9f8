import Testing

@testable import HoistWatchAgent
@testable import HoistWatchCore

/// The detection loop's flight-record encoding thread: what it hands back is what `EventRouting` makes of each
/// record, in submission order, and nothing submitted is lost at the stop.
@Suite struct FlightRecordEncoderTests {
    static let routing = EventRouting(
        topicPrefix: "hoistwatch/v1", deviceId: "37010000000000000001", maxMessageBytes: 16_384)

    static func record(_ eventId: String, edges: Int) -> (FlightRecord, Event) {
        var raised = EventRoutingRecordTests.raised
        raised.id = eventId
        var record = EventRoutingRecordTests.record(edges: edges)
        record.eventId = eventId
        return (record, raised)
    }

    @Test func everyRecordComesBackEncodedInOrderAndFinishTakesTheRest() {
        let encoder = FlightRecordEncoder(routing: Self.routing)
        let records = [Self.record("a", edges: 200_000), Self.record("b", edges: 100), Self.record("c", edges: 50_000)]
        for (record, raised) in records { encoder.submit(record, raised: raised) }
        // Whatever was taken while it worked, and the rest at the stop: all three, in order, as routing makes them.
        var encoded = encoder.takeEncoded()
        encoded += encoder.finish()
        #expect(encoded.map(\.eventId) == ["a", "b", "c"])
        for (item, (record, raised)) in zip(encoded, records) {
            #expect(item.entries == Self.routing.entries(for: record, raised: raised))
        }
        #expect(encoded[0].entries.count > 1, "the large record is cut into parts")
        #expect(encoder.takeEncoded().isEmpty)
    }
}
