import Testing

@testable import HoistWatchCore

/// `SeqTracker` and `FleetWatch` as scripts: messages in, the exact observations out.
@Suite("Fleet watch (hoistwatch listen's judging)")
struct FleetWatchTests {
    @Test("seq: first, in order, a gap, the gap filled by a late backlog entry, one from before the window")
    func seqScript() {
        var tracker = SeqTracker()
        #expect(tracker.receive(10) == .first)
        #expect(tracker.receive(11) == .inOrder)
        #expect(tracker.receive(15) == .gap(missing: 12...14))
        #expect(tracker.missing == [12...14])
        #expect(tracker.receive(13) == .filledGap)
        #expect(tracker.missing == [12...12, 14...14])
        #expect(tracker.receive(12) == .filledGap)
        #expect(tracker.receive(18) == .gap(missing: 16...17))
        #expect(tracker.missing == [14...14, 16...17])
        #expect(tracker.missingCount == 3)
        #expect(tracker.receive(9) == .beforeWindow)
        #expect(tracker.firstSeq == 10)
        #expect(tracker.highestSeq == 18)
    }

    static let device = "37010000000000000001"
    static let prefix = "hoistwatch/v1"

    static func event(seq: Int64, id: String, type: FaultType = .overspeed, historical: Bool = false) -> [UInt8] {
        var event = Event(
            id: id, seq: seq, deviceId: device, type: type, transition: .raised, severity: .alarm, monoNs: 1_000,
            bootId: "5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b", wallNs: 1_795_000_000_123_000_000, timeSynced: true,
            data: ["speed_mps": .number(2.21), "floor": .integer(4)])
        event.historical = historical
        return event.jsonBytes()
    }

    static func id(_ n: Int) -> String { "0193a5c2-7d1e-7b3a-9c4f-2b1e5d6f7a\(n < 10 ? "0" : "")\(n)" }

    @Test("events: a retransmission is a duplicate, a skipped seq a gap, a late one fills it")
    func events() {
        var watch = FleetWatch(prefix: Self.prefix + "/")
        let topic = "\(Self.prefix)/\(Self.device)/event"
        func kinds(_ payload: [UInt8]) -> [String] {
            watch.receive(topic: topic, payload: payload, retained: false).map { observation in
                switch observation {
                case .event(let event, let outcome): return "event \(event.seq ?? -1) \(outcome)"
                case .duplicate(_, _, let seq): return "duplicate \(seq ?? -1)"
                default: return "\(observation)"
                }
            }
        }
        #expect(kinds(Self.event(seq: 1, id: Self.id(1))) == ["event 1 first"])
        #expect(kinds(Self.event(seq: 1, id: Self.id(1))) == ["duplicate 1"])
        #expect(kinds(Self.event(seq: 4, id: Self.id(4))) == ["event 4 gap(missing: ClosedRange(2...3))"])
        #expect(kinds(Self.event(seq: 2, id: Self.id(2), historical: true)) == ["event 2 filledGap"])
        let board = watch.boards[Self.device]
        #expect(board?.events == 3)
        #expect(board?.duplicates == 1)
        #expect(board?.seqs.missing == [3...3])
        #expect(
            watch.summaryLines() == [
                "board \(Self.device): no status seen, session ?, 3 events (1 duplicates), seq 1-4, missing seq 3, "
                    + "0 flight records"
            ])
    }

    @Test("status: a birth puts the board online, new drops are reported once, the will (and its copy) offline")
    func statusAndWill() {
        var watch = FleetWatch(prefix: Self.prefix)
        let topic = "\(Self.prefix)/\(Self.device)/status"
        let birth = """
            {"schema":"hoistwatch.status/1","device_id":"\(Self.device)","online":true,"kind":"birth","session":3,\
            "version":"0.1.0","equipment":"elevator","board":"sim","detectors_on":["overspeed","overload"],\
            "active_faults":[],"outbox":{"count":2},"counters":{"trips":7},"last_seq":9,\
            "dropped":{"alarm":0,"warning":1,"info":0,"status":0}}
            """
        let online = watch.receive(topic: topic, payload: Array(birth.utf8), retained: true)
        #expect(
            online.first
                == .online(
                    Birth(
                        deviceId: Self.device, session: 3, version: "0.1.0", equipment: "elevator", board: "sim",
                        detectorsOn: 2, retained: true)))
        #expect(online.contains(.drops(deviceId: Self.device, added: ["warning": 1], total: Self.drops(warning: 1))))
        let periodic = """
            {"online":true,"kind":"periodic","active_faults":[{"type":"limit_switch_failure","instance":"top_limit"}],\
            "dropped":{"alarm":0,"warning":1,"info":2,"status":0}}
            """
        let later = watch.receive(topic: topic, payload: Array(periodic.utf8), retained: false)
        #expect(
            later == [
                .status(
                    StatusSummary(
                        deviceId: Self.device, kind: "periodic", activeFaults: ["limit_switch_failure:top_limit"],
                        outboxCount: nil, trips: nil, lastSeq: nil)),
                .drops(deviceId: Self.device, added: ["info": 2], total: Self.drops(warning: 1, info: 2)),
            ])
        let will = Array(#"{"online":false,"kind":"will","session":3}"#.utf8)
        #expect(
            watch.receive(topic: topic, payload: will, retained: false) == [.offline(deviceId: Self.device, session: 3)]
        )
        #expect(watch.receive(topic: topic, payload: will, retained: false) == [])
        #expect(watch.boards[Self.device]?.online == false)
    }

    static func drops(warning: Int64 = 0, info: Int64 = 0) -> [String: Int64] {
        ["alarm": 0, "warning": warning, "info": info, "status": 0]
    }

    @Test("a flight record is decoded with the core's trace decoder and named by its alarm's type")
    func record() {
        var watch = FleetWatch(prefix: Self.prefix)
        _ = watch.receive(
            topic: "\(Self.prefix)/\(Self.device)/event", payload: Self.event(seq: 1, id: Self.id(1)), retained: false)
        let trace = """
            {"format":"hoistwatch-trace","version":1,"equipment":"elevator","device_id":"\(Self.device)","initial":{"levels":{}}}
            {"t_ns":1000000000,"line":"enc_a","level":1}
            {"t_ns":1500000000,"adc":"load","raw":null}
            {"t_ns":3000000000,"adc":"load","raw":84213}

            """
        let topic = "\(Self.prefix)/\(Self.device)/record/\(Self.id(1))"
        let observations = watch.receive(topic: topic, payload: Array(trace.utf8), retained: false)
        #expect(
            observations == [
                .record(
                    FlightRecordSummary(
                        deviceId: Self.device, eventId: Self.id(1), type: "overspeed", equipment: "elevator",
                        inputEvents: 3, edges: 1, samples: 2, failedSamples: 1, spanS: 2, bytes: trace.utf8.count))
            ])
        let broken = watch.receive(topic: topic, payload: Array("{\"t_ns\":1}\n".utf8), retained: false)
        guard case .unreadable(_, let reason) = broken.first else {
            Issue.record("a broken record was accepted: \(broken)")
            return
        }
        #expect(reason.contains("not a valid flight record"))
    }

    @Test(
        "messages outside the contract are unreadable, not dropped silently",
        arguments: [
            ("other/prefix/x/event", "{}"), ("hoistwatch/v1/x/event", "not json"), ("hoistwatch/v1/x/status", "{}"),
            ("hoistwatch/v1/x/whatever", "{}"),
        ])
    func unreadable(topic: String, payload: String) {
        var watch = FleetWatch(prefix: Self.prefix)
        let observations = watch.receive(topic: topic, payload: Array(payload.utf8), retained: false)
        #expect(observations.count == 1)
        if case .unreadable(let seenTopic, _) = observations.first {
            #expect(seenTopic == topic)
        } else {
            Issue.record("\(observations)")
        }
    }

    @Test("the readable lines name the board and say what the demo's subscriber said")
    func text() {
        var watch = FleetWatch(prefix: Self.prefix)
        let lines = watch.receive(
            topic: "\(Self.prefix)/\(Self.device)/event", payload: Self.event(seq: 5, id: Self.id(5)), retained: false
        ).flatMap { $0.textLines(colour: false) }
        #expect(lines == ["11:06:40  ALARM    OVERSPEED  speed 2.21 m/s, floor 4   [\(Self.device) seq 5]"])
        let json = watch.receive(
            topic: "\(Self.prefix)/\(Self.device)/event", payload: Self.event(seq: 7, id: Self.id(7)), retained: false
        ).map { $0.jsonLine() }
        #expect(
            json.first?.hasPrefix(
                #"{"kind":"event","device_id":"\#(Self.device)","seq_outcome":"gap","missing":[6,6],"event":{"schema""#)
                == true)
    }

    @Test("a record split into parts (record/{id}/{part}/{n}) is decoded once every part is in, in any order")
    func splitRecord() {
        var watch = FleetWatch(prefix: Self.prefix)
        let trace = Array(
            """
            {"format":"hoistwatch-trace","version":1,"equipment":"elevator","device_id":"\(Self.device)","initial":{"levels":{}}}
            {"t_ns":0,"line":"enc_a","level":1}
            {"t_ns":1000000000,"line":"enc_a","level":0}

            """.utf8)
        let cut = [0, 40, 100, trace.count]
        let topic = "\(Self.prefix)/\(Self.device)/record/\(Self.id(2))"
        var observations: [FleetObservation] = []
        for part in [3, 1, 2] {
            observations += watch.receive(
                topic: "\(topic)/\(part)/3", payload: Array(trace[cut[part - 1]..<cut[part]]), retained: false)
            if part != 2 { #expect(observations.isEmpty, "a part alone is not a record yet") }
        }
        #expect(
            observations == [
                .record(
                    FlightRecordSummary(
                        deviceId: Self.device, eventId: Self.id(2), type: nil, equipment: "elevator", inputEvents: 2,
                        edges: 2, samples: 0, failedSamples: 0, spanS: 1, bytes: trace.count))
            ])
        let bad = watch.receive(topic: "\(topic)/4/3", payload: [], retained: false)
        #expect(bad.count == 1 && bad.first?.deviceId == nil, "part 4 of 3 is unreadable: \(bad)")
    }

    @Test("the birth on its own topic (birth) and on status is one birth; a new session is another")
    func birthTopic() {
        var watch = FleetWatch(prefix: Self.prefix)
        func birth(_ session: Int) -> [UInt8] { Array(#"{"online":true,"kind":"birth","session":\#(session)}"#.utf8) }
        let first = watch.receive(topic: "\(Self.prefix)/\(Self.device)/birth", payload: birth(4), retained: true)
        #expect(first.first?.deviceId == Self.device && first.count == 2, "online and status: \(first)")
        #expect(watch.receive(topic: "\(Self.prefix)/\(Self.device)/status", payload: birth(4), retained: true) == [])
        let next = watch.receive(topic: "\(Self.prefix)/\(Self.device)/status", payload: birth(5), retained: false)
        guard case .online(let reconnected)? = next.first else {
            Issue.record("a new session is a new birth: \(next)")
            return
        }
        #expect(reconnected.session == 5)
    }

}
