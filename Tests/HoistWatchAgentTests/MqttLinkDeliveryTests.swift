import HoistWatchCore
import Testing

@testable import HoistWatchAgent

/// Scripts for the link's delivery rules: flight-record parts in a lane of their own, an entry the broker keeps
/// refusing isolated and set aside, an oversized one set aside at once.
@Suite struct MqttLinkDeliveryTests {
    static let second: Int64 = 1_000_000_000

    func record(_ n: Int64, position: Int64) -> OutboxEntry {
        var entry = OutboxEntry(
            id: "record-evt-1/\(n)/9", priority: .alarm, topic: "hw/dev1/record/evt-1/\(n)/9",
            payload: Array(repeating: 0x41, count: 1000), monoNs: 0, bootId: "b", wallNs: 0, timeSynced: true)
        entry.position = position
        return entry
    }

    func event(_ n: Int64, _ priority: OutboxPriority = .alarm) -> OutboxEntry {
        var entry = EntryFactory.event(priority, seq: n)
        entry.position = 100 + n
        return entry
    }

    func connected(_ link: inout MqttLink, at now: Int64) {
        _ = link.timerFired(nowNs: now)
        #expect(link.connected(nowNs: now, backlogThroughPosition: 0) == .publishBirth)
        link.birthPublished(mid: 1)
    }

    func published(_ action: MqttLink.Action) -> OutboxEntry? {
        if case .publish(let entry, _) = action { return entry }
        return nil
    }

    @Test func recordPartsHaveTheirOwnWindowAndNeverHoldEventsBack() {
        var link = MqttLinkTests().connectedLink()
        #expect(link.freeRecordSlots == 2)
        #expect(published(link.send(record(1, position: 1))) != nil)
        #expect(published(link.send(record(2, position: 2))) != nil)
        #expect(link.send(record(3, position: 3)) == .none, "two parts in flight at most")
        #expect(link.freeRecordSlots == 0 && link.recordQuery.limit == 0)
        // Events still have their whole window.
        #expect(link.freeSlots == 32)
        for n in 1...32 { #expect(published(link.send(event(Int64(n)))) != nil) }
        #expect(link.send(event(33)) == .none)
        // The cursors are per lane: the records lane resumes after part 2, the events lane after event 32.
        #expect(link.recordQuery.cursor.position(in: .alarm) == 2)
        #expect(link.pendingQuery.cursor.position(in: .alarm) == 132)
        link.published(id: "record-evt-1/1/9", mid: 50)
        _ = link.pubackReceived(mid: 50, nowNs: 1)
        #expect(link.freeRecordSlots == 1)
        #expect(MqttSendLane(id: "record-evt-1") == .records && MqttSendLane(id: "evt-1") == .messages)
    }

    /// The broker closes the connection whenever part 2 arrives (Mosquitto's `max_packet_size`): it is implicated,
    /// then sent alone, then set aside after three tries; the alarm beside it is delivered and never blamed.
    @Test func anEntryTheBrokerKeepsRefusingIsSetAsideAfterThreeTriesAlone() {
        var link = MqttLinkTests().connectedLink()
        var now: Int64 = 0
        var mid: Int32 = 10
        var delivered: [String] = []
        var setAside: [String] = []
        let alarm = event(1)
        let bad = record(2, position: 2)
        for _ in 0..<12 {
            // Offer both, as a refill does; publish what the link hands out.
            var inFlight: [String] = []
            for entry in [alarm, bad] where !delivered.contains(entry.id) && !setAside.contains(entry.id) {
                switch link.send(entry) {
                case .publish(let e, _):
                    mid += 1
                    link.published(id: e.id, mid: mid)
                    inFlight.append(e.id)
                case .setAside(let e, let reason):
                    #expect(reason.contains("3 times"))
                    setAside.append(e.id)
                    _ = link.setAsideDone(id: e.id)
                case .none:
                    break
                default:
                    Issue.record("unexpected action")
                }
            }
            if inFlight == [alarm.id] {
                // The alarm went alone: the broker acknowledges it.
                _ = link.pubackReceived(mid: mid, nowNs: now)
                delivered.append(alarm.id)
                continue
            }
            guard !inFlight.isEmpty else { break }
            if inFlight.contains(bad.id) {
                // The broker drops the connection on the bad part, whatever else is in flight.
                guard case .reconnect(let delay) = link.connectionLost(nowNs: now, reason: "EOF") else { return }
                now += delay
                connected(&link, at: now)
            }
        }
        #expect(delivered == [alarm.id])
        #expect(setAside == [bad.id])
        #expect(link.implicated[alarm.id] == nil, "acknowledged: nothing held against it")
        #expect(link.setAsideCount == 1)
        // Afterwards the lanes are open again.
        #expect(published(link.send(event(2))) != nil)
    }

    @Test func anImplicatedEntryWaitsForTheWindowToEmptyThenGoesAlone() {
        var link = MqttLinkTests().connectedLink()
        for n in 1...3 {
            _ = link.send(event(Int64(n)))
            link.published(id: "evt-\(n)", mid: Int32(n + 10))
        }
        // Two losses with the three in flight: each needs to go alone now.
        for round in 0..<2 {
            guard case .reconnect(let delay) = link.connectionLost(nowNs: Int64(round) * 10 * Self.second, reason: "x")
            else { return }
            connected(&link, at: Int64(round) * 10 * Self.second + delay)
            if round == 0 {
                for n in 1...3 {
                    _ = link.send(event(Int64(n)))
                    link.published(id: "evt-\(n)", mid: Int32(n + 20))
                }
            }
        }
        #expect(link.implicated["evt-1"]?.needsIsolation == true)
        #expect(published(link.send(event(1))) != nil, "nothing in flight: it goes, alone")
        #expect(link.send(event(2)) == .none)
        #expect(link.send(event(9)) == .none, "nothing beside it, so the next loss says whether it is the one")
        link.published(id: "evt-1", mid: 40)
        _ = link.pubackReceived(mid: 40, nowNs: 30 * Self.second)
        #expect(link.implicated["evt-1"] == nil)
        #expect(published(link.send(event(2))) != nil)
    }

    @Test func aWindowThatEmptiesWithoutAPubackStillLetsTheImplicatedEntryGo() {
        var link = MqttLinkTests().connectedLink()
        // evt-1 was in flight at two losses: it must go alone.
        for round in 0..<2 {
            _ = link.send(event(1))
            _ = link.send(event(2))
            guard case .reconnect(let delay) = link.connectionLost(nowNs: Int64(round) * 10 * Self.second, reason: "x")
            else { return }
            connected(&link, at: Int64(round) * 10 * Self.second + delay)
        }
        #expect(published(link.send(event(3))) != nil)
        #expect(link.send(event(1)) == .none, "waits for evt-3")
        // evt-3 leaves the window without a PUBACK (the client refused it): evt-1 is not stuck behind a drain.
        link.publishFailed(id: "evt-3")
        #expect(published(link.send(event(1))) != nil)
        #expect(link.send(event(3)) == .none, "nothing beside the one sent alone")
    }

    @Test func anEntryOverTheSizeLimitIsSetAsideWithoutBeingSent() {
        var link = MqttLinkTests().connectedLink()
        let big = record(1, position: 1)
        #expect(published(link.send(big)) != nil)
        let action = link.tooLarge(big, packetBytes: 200_000)
        guard case .setAside(let entry, let reason) = action else {
            Issue.record("expected setAside, got \(action)")
            return
        }
        #expect(entry.id == big.id && reason.contains("200000 bytes, over broker.max_message_bytes (131072)"))
        #expect(link.inFlightIDs.isEmpty && link.freeRecordSlots == 2)
        #expect(link.setAsideDone(id: big.id) == .refillWindow)
    }

    @Test(arguments: [(0, 7), (122, 129), (123, 131), (16_378, 16_386), (16_379, 16_388), (2_097_200, 2_097_210)])
    func publishPacketSizeCountsHeaderTopicIdAndPayload(payload: Int, expected: Int) {
        // Topic of 1 byte: fixed header 1, remaining length 1 to 4 (127 and 16,383 still one and two), topic length
        // 2 + 1, packet id 2.
        #expect(MqttPacketSize.publish(topicBytes: 1, payloadBytes: payload, protocolVersion: .v311) == expected)
        let most = MqttPacketSize.maxPayload(topicBytes: 1, maxPacketBytes: expected, protocolVersion: .v311)
        #expect(MqttPacketSize.publish(topicBytes: 1, payloadBytes: most, protocolVersion: .v311) <= expected)
        #expect(MqttPacketSize.publish(topicBytes: 1, payloadBytes: most + 1, protocolVersion: .v311) > expected)
    }

    /// MQTT 5 adds the empty property list's length (1 byte), which can also take the remaining length up a byte;
    /// sizes count as MQTT 5 unless told, so what fits fits either version.
    @Test(arguments: [(0, 8), (121, 129), (122, 131), (16_377, 16_386), (16_378, 16_388)])
    func anMqtt5PublishCarriesItsPropertyLength(payload: Int, expected: Int) {
        #expect(MqttPacketSize.publish(topicBytes: 1, payloadBytes: payload) == expected)
        #expect(MqttPacketSize.publish(topicBytes: 1, payloadBytes: payload, protocolVersion: .v5) == expected)
        let most = MqttPacketSize.maxPayload(topicBytes: 1, maxPacketBytes: expected)
        #expect(MqttPacketSize.publish(topicBytes: 1, payloadBytes: most) <= expected)
        #expect(MqttPacketSize.publish(topicBytes: 1, payloadBytes: most + 1) > expected)
    }
}
