import HoistWatchConfig
import HoistWatchCore
import Testing

@testable import HoistWatchAgent

/// Scripts for what MQTT 5 changes in the pure link: the version per endpoint (MQTT 5 first, 3.1.1 for a broker
/// that does not speak it), the CONNACK's limits narrowing windows and message size, and PUBACK refusals.
@Suite struct MqttLinkProtocolTests {
    static let second: Int64 = 1_000_000_000

    func link(_ version: MqttProtocolChoice = .auto, endpoints: Int = 1) -> MqttLink {
        var configuration = MqttLinkTests.config
        configuration.mqttVersion = version
        configuration.endpointCount = endpoints
        return MqttLink(configuration: configuration, random: SplitMix64(seed: 5))
    }

    func event(_ n: Int64, _ priority: OutboxPriority = .alarm) -> OutboxEntry {
        var entry = EntryFactory.event(priority, seq: n)
        entry.position = n
        return entry
    }

    func published(_ action: MqttLink.Action) -> OutboxEntry? {
        if case .publish(let entry, _) = action { return entry }
        return nil
    }

    @Test func autoFallsBackToMqtt311AtOnceWhenTheBrokerRefusesMqtt5AndKeepsIt() {
        var link = link()
        #expect(link.start(nowNs: 0) == .connect(deadlineNs: 30 * Self.second))
        #expect(link.attemptProtocol == .v5)
        // libmosquitto reports a 3.1.1 broker's "unacceptable protocol version" as MQTT 5's 132.
        #expect(
            link.connectRefused(connackCode: 132, reason: "Unsupported protocol version", nowNs: 1)
                == .reconnect(afterNs: 0))
        #expect(link.attemptProtocol == .v311 && link.consecutiveFailures == 0, "not a failure: no backoff")
        #expect(link.lastError?.contains("does not speak MQTT 5") == true)
        #expect(link.timerFired(nowNs: 1) == .connect(deadlineNs: 1 + 30 * Self.second))
        #expect(link.connected(nowNs: 2, backlogThroughPosition: 0) == .publishBirth)
        #expect(link.session == 1, "one successful connect")
        // Later losses and failed attempts keep 3.1.1 for this endpoint.
        _ = link.connectionLost(nowNs: 3, reason: "broker restarted")
        _ = link.timerFired(nowNs: 10 * Self.second)
        #expect(link.attemptProtocol == .v311)
        _ = link.connectFailed(nowNs: 11 * Self.second, reason: "Connection refused")
        #expect(link.attemptProtocol == .v311)
    }

    /// A broker that closes an MQTT 5 CONNECT without a CONNACK (RabbitMQ 3.10) gets 3.1.1 at once; that proves
    /// nothing, so every new outage starts with MQTT 5 again, until an MQTT 5 CONNACK makes it known.
    @Test func autoTriesMqtt311AtOnceWhenTheBrokerClosesAnMqtt5AttemptAndMqtt5AgainAfterward() {
        var link = link()
        _ = link.start(nowNs: 0)
        #expect(
            link.connectionLost(nowNs: 1, reason: "The connection was lost.", brokerClosedIt: true)
                == .reconnect(afterNs: 0))
        #expect(link.attemptProtocol == .v311 && link.consecutiveFailures == 0, "at once, not a failure")
        #expect(link.lastError?.contains("so it may not speak MQTT 5: the next attempt speaks MQTT 3.1.1") == true)
        // The 3.1.1 attempt finds the broker unreachable: nothing learnt, MQTT 5 next, after a backoff step.
        #expect(link.timerFired(nowNs: 1) == .connect(deadlineNs: 1 + 30 * Self.second))
        guard case .reconnect(let delay) = link.connectFailed(nowNs: 2, reason: "Connection refused") else {
            Issue.record("expected a retry")
            return
        }
        #expect(delay > 0 && link.attemptProtocol == .v5 && link.lastError == "Connection refused")
        // Closed again on MQTT 5, then accepted on 3.1.1.
        _ = link.timerFired(nowNs: 5 * Self.second)
        #expect(
            link.connectionLost(nowNs: 5 * Self.second + 1, reason: "lost", brokerClosedIt: true)
                == .reconnect(afterNs: 0))
        _ = link.timerFired(nowNs: 5 * Self.second + 1)
        #expect(link.connected(nowNs: 5 * Self.second + 2, backlogThroughPosition: 0) == .publishBirth)
        #expect(link.session == 1)
        // That connection ends: the next outage starts with MQTT 5.
        _ = link.connectionLost(nowNs: 60 * Self.second, reason: "lost", brokerClosedIt: true)
        #expect(link.attemptProtocol == .v5)
        // An unreachable broker (not closed by it) changes nothing.
        _ = link.timerFired(nowNs: 100 * Self.second)
        _ = link.connectionLost(nowNs: 100 * Self.second + 1, reason: "Connection refused", brokerClosedIt: false)
        #expect(link.attemptProtocol == .v5)
        // An MQTT 5 CONNACK makes it known: a later close before the CONNACK is an ordinary failure.
        _ = link.timerFired(nowNs: 200 * Self.second)
        _ = link.connected(nowNs: 200 * Self.second + 1, backlogThroughPosition: 0)
        _ = link.connectionLost(nowNs: 300 * Self.second, reason: "lost")
        _ = link.timerFired(nowNs: 400 * Self.second)
        guard
            case .reconnect(let later) = link.connectionLost(
                nowNs: 400 * Self.second + 1, reason: "lost", brokerClosedIt: true)
        else {
            Issue.record("expected a retry")
            return
        }
        #expect(later > 0 && link.attemptProtocol == .v5)
    }

    @Test func aFixedVersionNeverFallsBack() {
        var five = link(.v5)
        _ = five.start(nowNs: 0)
        #expect(five.attemptProtocol == .v5)
        guard case .reconnect(let delay) = five.connectRefused(connackCode: 132, reason: "unsupported", nowNs: 1) else {
            Issue.record("expected a retry")
            return
        }
        #expect(delay > 0 && five.attemptProtocol == .v5 && five.consecutiveFailures == 1)
        var three = link(.v311)
        _ = three.start(nowNs: 0)
        #expect(three.attemptProtocol == .v311)
        _ = three.connectionLost(nowNs: 1, reason: "lost", brokerClosedIt: true)
        #expect(three.attemptProtocol == .v311)
        _ = five.timerFired(nowNs: 10 * Self.second)
        _ = five.connectionLost(nowNs: 10 * Self.second + 1, reason: "lost", brokerClosedIt: true)
        #expect(five.attemptProtocol == .v5)
    }

    @Test func eachEndpointHasItsOwnVersion() {
        var link = link(endpoints: 2)
        _ = link.start(nowNs: 0)
        _ = link.connectRefused(connackCode: 132, reason: "unsupported", nowNs: 1)
        #expect(link.endpoint == 0 && link.attemptProtocol == .v311)
        // Two failures move to the backup, which starts on MQTT 5.
        _ = link.timerFired(nowNs: 1)
        _ = link.connectFailed(nowNs: 2, reason: "Connection refused")
        _ = link.timerFired(nowNs: 5 * Self.second)
        _ = link.connectFailed(nowNs: 5 * Self.second + 1, reason: "Connection refused")
        #expect(link.endpoint == 1 && link.attemptProtocol == .v5)
    }

    @Test func mqtt5CredentialRefusalsAreRetriedSlowly() {
        for code: Int32 in [134, 135] {
            var link = link()
            _ = link.start(nowNs: 0)
            guard
                case .reportAuthFailure(code, let retry) = link.connectRefused(
                    connackCode: code, reason: "bad", nowNs: 1)
            else {
                Issue.record("expected an auth failure for \(code)")
                continue
            }
            #expect(retry >= 60 * Self.second && link.attemptProtocol == .v5)
        }
    }

    @Test func aReceiveMaximumNarrowsTheWindowsSoEverythingInFlightFitsIt() {
        var link = link()
        _ = link.start(nowNs: 0)
        let limits = MqttBrokerLimits(maximumPacketBytes: nil, receiveMaximum: 20)
        #expect(link.connected(nowNs: 1, backlogThroughPosition: 0, brokerLimits: limits) == .publishBirth)
        // 20 less the births and two status messages (4) less the two record parts: 14 events.
        #expect(link.freeSlots == 14 && link.freeRecordSlots == 2)
        for n in 1...14 { #expect(published(link.send(event(Int64(n)))) != nil) }
        #expect(link.send(event(15)) == .none)
        // A tiny one still lets one of each go.
        var small = self.link()
        _ = small.start(nowNs: 0)
        _ = small.connected(nowNs: 1, backlogThroughPosition: 0, brokerLimits: .init(receiveMaximum: 5))
        #expect(small.freeSlots == 1 && small.freeRecordSlots == 1)
        // The limits are the connection's: after a loss, a 3.1.1-style CONNACK without them restores the windows.
        _ = link.connectionLost(nowNs: 2, reason: "lost")
        _ = link.timerFired(nowNs: 10 * Self.second)
        _ = link.connected(nowNs: 10 * Self.second + 1, backlogThroughPosition: 0)
        #expect(link.freeSlots == 32 && link.brokerLimits == .none)
    }

    @Test func aMaximumPacketSizeBelowTheSiteLimitIsTheLimitAndNamedInTheReason() {
        var link = link()
        _ = link.start(nowNs: 0)
        #expect(link.maxMessageBytes == 131_072)
        _ = link.connected(nowNs: 1, backlogThroughPosition: 0, brokerLimits: .init(maximumPacketBytes: 12_000))
        link.birthPublished(mid: 1)
        #expect(link.maxMessageBytes == 12_000)
        let big = event(1)
        #expect(published(link.send(big)) != nil)
        guard case .setAside(let entry, let reason) = link.tooLarge(big, packetBytes: 13_000) else {
            Issue.record("expected a set-aside")
            return
        }
        #expect(entry.id == big.id && reason.contains("over the broker's maximum packet size (12000, from its CONNACK"))
        #expect(link.inFlightIDs.isEmpty)
        // A broker limit above the site's does not raise it.
        var roomy = self.link()
        _ = roomy.start(nowNs: 0)
        _ = roomy.connected(nowNs: 1, backlogThroughPosition: 0, brokerLimits: .init(maximumPacketBytes: 1 << 28))
        #expect(roomy.maxMessageBytes == 131_072)
    }

    /// 0x95 (packet too large: Mosquitto's `message_size_limit`) cannot change by sending again: the entry is set
    /// aside on its next offer, and the entries beside it go on.
    @Test func aPubackTooLargeSetsTheEntryAsideAtItsNextOffer() {
        var link = link()
        _ = link.start(nowNs: 0)
        _ = link.connected(nowNs: 1, backlogThroughPosition: 0)
        link.birthPublished(mid: 1)
        let part = event(1)
        let alarm = event(2)
        #expect(published(link.send(part)) != nil)
        link.published(id: part.id, mid: 10)
        #expect(published(link.send(alarm)) != nil)
        link.published(id: alarm.id, mid: 11)
        let (id, action) = link.pubackRefused(mid: 10, reasonCode: 0x95, reason: "Packet too large", nowNs: 2)
        #expect(id == part.id && action == .refillWindow)
        #expect(link.inFlightIDs == [alarm.id], "only the refused one left the window")
        #expect(link.pendingQuery.cursor == .start, "the refill reads it again")
        link.refillStarted()
        guard case .setAside(let entry, let reason) = link.send(part) else {
            Issue.record("expected the refused part set aside")
            return
        }
        #expect(entry.id == part.id && reason.contains("0x95 Packet too large") && reason.contains("cannot help"))
        #expect(link.setAsideDone(id: part.id) == .refillWindow)
        #expect(link.pubackReceived(mid: 11, nowNs: 3).contains(.scheduleRemoval(afterNs: 5_000_000)))
        #expect(link.setAsideCount == 1 && link.implicated.isEmpty)
    }

    /// Any other refusal (0x87 not authorised, say: an ACL) is a try: the entry goes again, and after `maxTries`
    /// refusals it is set aside. A refusal of the birth is ignored.
    @Test func otherPubackRefusalsAreTriesUntilMaxTries() {
        var link = link()
        _ = link.start(nowNs: 0)
        _ = link.connected(nowNs: 1, backlogThroughPosition: 0)
        link.birthPublished(mid: 1)
        #expect(link.pubackRefused(mid: 1, reasonCode: 0x87, reason: "Not authorized", nowNs: 1).id == nil)
        let alarm = event(1)
        var mid: Int32 = 20
        for refusal in 1...3 {
            #expect(published(link.send(alarm)) != nil, "try \(refusal) is sent")
            link.published(id: alarm.id, mid: mid)
            _ = link.pubackRefused(mid: mid, reasonCode: 0x87, reason: "Not authorized", nowNs: Int64(refusal))
            #expect(link.implicated[alarm.id]?.refusals == refusal)
            link.refillStarted()
            mid += 1
        }
        guard case .setAside(_, let reason) = link.send(alarm) else {
            Issue.record("expected the alarm set aside after three refusals")
            return
        }
        #expect(reason.contains("refused it 3 times (PUBACK 0x87 Not authorized)"))
        // A stale mid changes nothing.
        #expect(link.pubackRefused(mid: 999, reasonCode: 0x87, reason: "x", nowNs: 9).id == nil)
    }
}
