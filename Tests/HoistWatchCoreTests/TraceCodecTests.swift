import Testing

@testable import HoistWatchCore

@Suite struct TraceCodecTests {
    private let header =
        #"{"format":"hoistwatch-trace","version":1,"equipment":"elevator","device_id":"1","initial":{"position_m":3.2,"levels":{"door_closed":1}}}"#

    private func decodeAll(_ lines: [String]) throws(InputError) -> [InputEvent] {
        var decoder = TraceDecoder()
        var events: [InputEvent] = []
        for line in lines { if let event = try decoder.decode(line) { events.append(event) } }
        return events
    }

    @Test func roundTripsEventsAndHeader() throws {
        let events: [InputEvent] = [
            .level(.encA, 1, atNs: 1_250_000), .sample(.load, raw: 84213, atNs: 5_000_000),
            .sample(.load, raw: nil, atNs: 5_000_000), .sample(.load, raw: -8_388_608, atNs: 6_000_000),
        ]
        var head = TraceHeader(
            equipment: .elevator, deviceId: "37010000000000000001", initialPositionM: 3.2,
            initialLevels: [.doorClosed: 1, .mainsOk: 1], note: "a \"quoted\" note")
        head.startTime = "2026-11-22T08:00:00.000Z"
        let text = String(decoding: TraceEncoder.encode(header: head, events: events), as: UTF8.self)
        var decoder = TraceDecoder()
        var decoded: [InputEvent] = []
        for line in text.split(separator: "\n") { if let event = try decoder.decode(line) { decoded.append(event) } }
        #expect(decoder.header == head)
        #expect(decoded == events)
    }

    @Test func acceptsAnyKeyOrderWhitespaceAndUnknownKeys() throws {
        let events = try decodeAll([
            header,
            #" { "level" : 1 , "future": {"a":[1,"}",{"b":null}]}, "line":"door_zone", "t_ns": 7 } "#,
            #"{"raw":null,"adc":"load","t_ns":7,"x":true}"#,
        ])
        #expect(events == [.level(.doorZone, 1, atNs: 7), .sample(.load, raw: nil, atNs: 7)])
    }

    @Test(arguments: [
        ("not json", 2, "not a JSON object"),
        (#"{"t_ns":5,"line":"door_zone","level":2}"#, 2, "level must be 0 or 1"),
        (#"{"t_ns":5,"line":"wind_pulse","level":1}"#, 2, "not an input of a elevator"),
        (#"{"t_ns":5,"line":"nope","level":1}"#, 2, "not a known input"),
        (#"{"t_ns":5,"adc":"wind","raw":1}"#, 2, "not a known ADC channel"),
        (#"{"t_ns":5.5,"line":"door_zone","level":1}"#, 2, "t_ns must be an integer"),
        (#"{"line":"door_zone","level":1}"#, 2, "no t_ns"),
        (#"{"t_ns":5,"adc":"load"}"#, 2, "adc event has no raw"),
        (#"[1,2]"#, 2, "not a JSON object"),
        (#"{"t_ns":5,"line":"door_zone","level":1} x"#, 2, "unexpected text"),
        // Beyond TraceEventParser.maxTNs: the engine's times after it would not fit an Int64 (found by `make fuzz`
        // once replay skipped idle ticks and reached such events: an overflow trap in a deadline).
        (#"{"t_ns":9100000000000000001,"line":"door_zone","level":1}"#, 2, "t_ns must be at most"),
        (#"{"t_ns":9223372036854775807,"adc":"load","raw":1}"#, 2, "t_ns must be at most"),
    ])
    func refusesMalformedLinesWithLineNumberAndReason(line: String, number: Int, reason: String) {
        do {
            _ = try decodeAll([header, line])
            Issue.record("accepted \(line)")
        } catch {
            #expect(error.line == number)
            #expect(error.message.contains(reason), "\(error.message)")
        }
    }

    @Test func theLargestTimeATraceMayHoldIsRead() throws {
        let events = try decodeAll([header, #"{"t_ns":9100000000000000000,"line":"door_zone","level":1}"#])
        #expect(events.map(\.tNs) == [TraceEventParser.maxTNs])
    }

    @Test func refusesTimeGoingBackwards() {
        do {
            _ = try decodeAll([
                header, #"{"t_ns":10,"line":"door_zone","level":1}"#, #"{"t_ns":9,"line":"door_zone","level":0}"#,
            ])
            Issue.record("accepted")
        } catch {
            #expect(error.line == 3)
            #expect(error.code == .outOfOrder)
        }
    }

    @Test(
        arguments: [
            (#"{"format":"other","version":1,"equipment":"elevator","device_id":"1"}"#, "format"),
            (#"{"format":"hoistwatch-trace","version":2,"equipment":"elevator","device_id":"1"}"#, "version"),
            (#"{"format":"hoistwatch-trace","version":1,"equipment":"tower","device_id":"1"}"#, "equipment"),
            (
                #"{"format":"hoistwatch-trace","version":1,"equipment":"crane","device_id":"1","initial":{"levels":{"door_zone":1}}}"#,
                "initial.levels.door_zone"
            ),
            ("", nil),
        ] as [(String, String?)])
    func refusesBadHeaders(line: String, key: String?) {
        do {
            _ = try decodeAll([line])
            Issue.record("accepted \(line)")
        } catch {
            #expect(error.line == 1)
            #expect(error.key == key)
        }
    }

    @Test func eventPayloadMatchesTheContract() {
        var stamper = EventStamper(
            deviceId: "37010000000000000001", bootId: "boot",
            clock: EventClock(wallMinusMonoNs: 1_795_334_400_000_000_000, timeSynced: true),
            seed: 7, firstSeq: 1042)
        var data = EventData()
        data.set("speed_mps", 2.2134, decimals: 2)
        let event = stamper.stamp(
            type: .overspeed, transition: .cleared, severity: .alarm, runNs: 81_234_567_890,
            data: data, raisedId: "r", durationS: 1.5)
        let text = String(decoding: event.jsonBytes(), as: UTF8.self)
        #expect(text.hasPrefix(#"{"schema":"hoistwatch.event/1","id":""#))
        #expect(
            text.contains(
                #""device_id":"37010000000000000001","seq":1042,"type":"overspeed","transition":"cleared","severity":"alarm","mono_ns":81234567890,"boot_id":"boot","time":"2026-11-22T08:01:21.234Z","time_synced":true,"data":{"speed_mps":2.21},"raised_id":"r","duration_s":1.5}"#
            ), "\(text)")
        #expect(event.id.count == 36)
        #expect(Array(event.id)[14] == "7")
        let parsed: Int64? = RFC3339.parseNs("2026-11-22T08:01:21.234Z")
        let expected: Int64 = 1_795_334_481_234_000_000
        #expect(parsed == expected)
    }

    /// Times beyond what an Int64 of nanoseconds since 1970 holds are no times (the multiplication trapped).
    @Test func rfc3339TimesOutsideAnInt64OfNanosecondsAreNotParsed() {
        #expect(RFC3339.parseNs("2262-04-11T23:47:16.854775807Z") == Int64.max)
        #expect(RFC3339.parseNs("2262-04-11T23:47:16.854775808Z") == nil)
        #expect(RFC3339.parseNs("9999-12-31T23:59:59Z") == nil)
        #expect(RFC3339.parseNs("0000-01-01T00:00:00Z") == nil)
        #expect(RFC3339.parseNs("2262-04-12T00:00:00+23:59") != nil)
    }
}
