import HoistWatchCore
import Testing

@testable import HoistWatchAgent

/// Scripts for the pure link state machine: timestamps are fed by hand, nothing sleeps.
@Suite struct MqttLinkTests {
    static let second: Int64 = 1_000_000_000
    static let config = MqttLink.Configuration(
        initialBackoffNs: 1 * second, maxBackoffNs: 60 * second, jitterFraction: 0.2, authRetryNs: 60 * second,
        inFlightWindow: 32, connectTimeoutNs: 30 * second, stableConnectionNs: 30 * second)

    func entry(_ n: Int64, _ priority: OutboxPriority = .info, position: Int64? = nil) -> OutboxEntry {
        var entry = EntryFactory.event(priority, seq: n)
        entry.position = position ?? n
        return entry
    }

    /// Connects a fresh link at `nowNs`, checking the script's first steps.
    func connectedLink(nowNs: Int64 = 0, backlogThrough: Int64 = 0) -> MqttLink {
        var link = MqttLink(configuration: Self.config, random: SplitMix64(seed: 1))
        #expect(link.start(nowNs: nowNs) == .connect(deadlineNs: nowNs + 30 * Self.second))
        #expect(link.connected(nowNs: nowNs + 1, backlogThroughPosition: backlogThrough) == .publishBirth)
        link.birthPublished(mid: 1)
        return link
    }

    @Test func backoffDoublesWithJitterUpToTheCap() {
        var link = MqttLink(configuration: Self.config, random: SplitMix64(seed: 42))
        var now: Int64 = 0
        #expect(link.start(nowNs: now) == .connect(deadlineNs: 30 * Self.second))
        var delays: [Int64] = []
        for _ in 0..<10 {
            guard case .reconnect(let delay) = link.connectFailed(nowNs: now, reason: "Connection refused") else {
                Issue.record("expected a reconnect")
                return
            }
            delays.append(delay)
            // Just before the delay nothing happens; at it, the next attempt starts.
            #expect(link.timerFired(nowNs: now + delay - 1) == .none)
            now += delay
            #expect(link.timerFired(nowNs: now) == .connect(deadlineNs: now + 30 * Self.second))
        }
        let bases: [Int64] = [1, 2, 4, 8, 16, 32, 60, 60, 60, 60].map { $0 * Self.second }
        for (delay, base) in zip(delays, bases) {
            #expect(delay <= base && delay >= base * 8 / 10, "delay \(delay) for base \(base)")
        }
        #expect(Set(delays.suffix(4)).count > 1, "jitter varies the capped delays")
        #expect(link.consecutiveFailures == 10)
        #expect(link.connectAttempts == 11)
        #expect(link.lastError == "Connection refused")
    }

    @Test func jitterIsReproducibleFromTheSeed() {
        func delays(seed: UInt64) -> [MqttLink.Action] {
            var link = MqttLink(configuration: Self.config, random: SplitMix64(seed: seed))
            _ = link.start(nowNs: 0)
            return (0..<5).map { i in
                let action = link.connectFailed(nowNs: Int64(i) * 100 * Self.second, reason: "x")
                _ = link.timerFired(nowNs: Int64(i) * 100 * Self.second + 99 * Self.second)
                return action
            }
        }
        #expect(delays(seed: 7) == delays(seed: 7))
        #expect(delays(seed: 7) != delays(seed: 8))
    }

    @Test func refusedCredentialsAreReportedAndRetriedSlowly() {
        var link = MqttLink(configuration: Self.config, random: SplitMix64(seed: 3))
        var now: Int64 = 0
        _ = link.start(nowNs: now)
        for round in 1...5 {
            let action = link.connectRefused(connackCode: 5, reason: "Connection Refused: not authorised.", nowNs: now)
            guard case .reportAuthFailure(5, let retry) = action else {
                Issue.record("expected an auth failure report, got \(action)")
                return
            }
            #expect(retry >= 60 * Self.second && retry <= 72 * Self.second)
            #expect(link.phase == .authRejected(connackCode: 5, untilNs: now + retry))
            // A lost connection after the refusal and early timers change nothing: no tight loop.
            #expect(link.connectionLost(nowNs: now + 1, reason: "closed") == .none)
            #expect(link.timerFired(nowNs: now + 59 * Self.second) == .none)
            now += retry
            #expect(link.timerFired(nowNs: now) == .connect(deadlineNs: now + 30 * Self.second))
            #expect(link.authFailures == round)
        }
        #expect(link.lastError?.contains("not authorised") == true)
        // Bad user name or password (4) is a credential failure too; other refusals back off normally.
        #expect(link.connectRefused(connackCode: 4, reason: "bad", nowNs: now) != .none)
        _ = link.timerFired(nowNs: now + 100 * Self.second)
        #expect(
            link.connectRefused(connackCode: 3, reason: "server unavailable", nowNs: now + 100 * Self.second)
                == .reconnect(afterNs: link.lastRetryDelayNs!))
    }

    @Test func connectTimeoutCountsAsAFailure() {
        var link = MqttLink(configuration: Self.config, random: SplitMix64(seed: 1))
        _ = link.start(nowNs: 0)
        #expect(link.timerFired(nowNs: 30 * Self.second - 1) == .none)
        guard case .reconnect = link.timerFired(nowNs: 30 * Self.second) else {
            Issue.record("expected a reconnect after the connect timeout")
            return
        }
        #expect(link.lastError?.contains("no CONNACK") == true)
    }

    @Test func windowLimitsInFlightAndOnlyPubackRemoves() {
        var link = connectedLink()
        var published: [String] = []
        for n in 1...40 {
            let action = link.send(entry(Int64(n)))
            if case .publish(let e, let isBacklog) = action {
                #expect(!isBacklog)
                link.published(id: e.id, mid: Int32(100 + n))
                published.append(e.id)
            } else {
                #expect(action == .none)
            }
        }
        #expect(published.count == 32)
        #expect(link.freeSlots == 0)
        // Offering an entry already in flight does nothing.
        #expect(link.send(entry(1)) == .none)
        // An unknown mid or the birth's mid removes nothing.
        #expect(link.pubackReceived(mid: 999, nowNs: 5) == [])
        #expect(link.pubackReceived(mid: 1, nowNs: 5) == [])
        // A PUBACK removes exactly its entry (with those acknowledged within the removal delay, in one
        // transaction), frees one slot and asks for one refill.
        #expect(link.pubackReceived(mid: 105, nowNs: 5) == [.scheduleRemoval(afterNs: 5_000_000), .refillWindow])
        #expect(link.freeSlots == 1)
        #expect(link.pubackReceived(mid: 105, nowNs: 6) == [], "a second PUBACK for the same mid is ignored")
        #expect(link.send(entry(5)) == .none, "acknowledged, not yet removed: never sent again")
        #expect(link.removalTimerFired(nowNs: 5_000_005) == .removeFromOutbox(ids: ["evt-5"]))
        link.removed(ids: ["evt-5"])
        #expect(link.awaitingRemoval.isEmpty)
        if case .publish = link.send(entry(33)) {} else { Issue.record("a slot was free") }
    }

    @Test func lostConnectionKeepsEntriesForResendAsBacklog() {
        var link = connectedLink(nowNs: 0, backlogThrough: 3)
        let actions = (1...5).map { link.send(entry(Int64($0))) }
        let backlogFlags = actions.map { action -> Bool? in
            if case .publish(_, let backlog) = action { return backlog }
            return nil
        }
        #expect(backlogFlags == [true, true, true, false, false])
        for n in 1...5 { link.published(id: "evt-\(n)", mid: Int32(n + 10)) }
        // The connection drops before any PUBACK: nothing is removed, nothing stays in flight.
        guard case .reconnect(let delay) = link.connectionLost(nowNs: 2 * Self.second, reason: "EOF") else {
            Issue.record("expected a reconnect")
            return
        }
        #expect(link.inFlightIDs.isEmpty)
        #expect(link.pubackReceived(mid: 11, nowNs: 2 * Self.second) == [])
        _ = link.timerFired(nowNs: 2 * Self.second + delay)
        #expect(link.connected(nowNs: 3 * Self.second, backlogThroughPosition: 5) == .publishBirth)
        // Everything sent before is backlog now and is offered again.
        for n in 1...5 {
            #expect(link.send(entry(Int64(n))) == .publish(entry(Int64(n)), isBacklog: true))
        }
    }

    @Test func stableConnectionResetsBackoff() {
        var link = connectedLink(nowNs: 0)
        // Short-lived connections keep growing the backoff...
        var now: Int64 = 1 * Self.second
        for expectedFailures in 1...3 {
            guard case .reconnect(let delay) = link.connectionLost(nowNs: now, reason: "reset") else { return }
            #expect(link.consecutiveFailures == expectedFailures)
            now += delay
            _ = link.timerFired(nowNs: now)
            _ = link.connected(nowNs: now, backlogThroughPosition: 0)
            now += 1 * Self.second
        }
        // ...a connection that lasted past `stableConnectionNs` starts over from the first delay.
        now += 31 * Self.second
        guard case .reconnect(let delay) = link.connectionLost(nowNs: now, reason: "reset") else { return }
        #expect(link.consecutiveFailures == 1)
        #expect(delay <= 1 * Self.second)
    }

    @Test func stopDisconnectsOnceAndIgnoresLaterInput() {
        var link = connectedLink()
        #expect(link.stop(nowNs: 10) == .disconnect)
        #expect(link.stop(nowNs: 11) == .none)
        #expect(link.timerFired(nowNs: 1_000 * Self.second) == .none)
        #expect(link.connectionLost(nowNs: 12, reason: "closed") == .none)
        #expect(link.send(entry(1)) == .none)
        #expect(link.phase == .stopped)
    }

    /// Invariants over seeded random scripts: the window is never exceeded, only published entries are removed
    /// and each at most once per publish, retry delays stay within the cap.
    @Test(arguments: 1...20)
    func invariantsHoldOverRandomScripts(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var link = MqttLink(configuration: Self.config, random: SplitMix64(seed: seed &+ 1000))
        var now: Int64 = 0
        var nextMid: Int32 = 1
        var midToID: [Int32: String] = [:]
        var outbox = Set((1...100).map { "evt-\($0)" })
        var acknowledged: Set<String> = []
        defer { #expect(outbox.count <= 100) }
        _ = link.start(nowNs: now)
        for _ in 0..<500 {
            now += Int64(rng.next() % 5_000_000_000)
            var actions: [MqttLink.Action]
            switch rng.next() % 9 {
            case 0: actions = [link.timerFired(nowNs: now)]
            case 1: actions = [link.connectionLost(nowNs: now, reason: "x")]
            case 2: actions = [link.connected(nowNs: now, backlogThroughPosition: 50)]
            case 3: actions = [link.connectRefused(connackCode: Int32(rng.next() % 6), reason: "r", nowNs: now)]
            case 4, 5:
                let n = Int64(rng.next() % 100) + 1
                actions = [link.send(entry(n))]
            case 6: actions = [link.removalTimerFired(nowNs: now)]
            default:
                let mids = Array(midToID.keys)
                guard !mids.isEmpty else { continue }
                let mid = mids[Int(rng.next() % UInt64(mids.count))]
                actions = link.pubackReceived(mid: mid, nowNs: now)
                // Only the PUBACK of a message published on this connection removes, and exactly its entry.
                #expect(link.awaitingRemoval.contains(midToID[mid]!))
                acknowledged.insert(midToID[mid]!)
                midToID[mid] = nil
            }
            for action in actions {
                switch action {
                case .publish(let e, _):
                    #expect(!link.awaitingRemoval.contains(e.id), "an acknowledged entry is never sent again")
                    link.published(id: e.id, mid: nextMid)
                    midToID[nextMid] = e.id
                    nextMid += 1
                case .removeFromOutbox(let ids):
                    #expect(acknowledged.isSuperset(of: ids), "only acknowledged entries are removed")
                    outbox.subtract(ids)
                    acknowledged.subtract(ids)
                    link.removed(ids: ids)
                case .reconnect(let delay):
                    #expect(delay > 0 && delay <= Self.config.maxBackoffNs)
                    midToID.removeAll()
                case .reportAuthFailure(_, let retry):
                    #expect(retry >= Self.config.authRetryNs)
                    midToID.removeAll()
                case .setAside(let e, _):
                    #expect(!acknowledged.contains(e.id), "an acknowledged entry is never set aside")
                    outbox.remove(e.id)
                    _ = link.setAsideDone(id: e.id)
                case .switchEndpoint:
                    midToID.removeAll()
                case .connect, .publishBirth, .none, .disconnect, .scheduleRemoval, .refillWindow:
                    break
                }
            }
            #expect(link.inFlightIDs.count <= Self.config.inFlightWindow)
        }
    }
}
