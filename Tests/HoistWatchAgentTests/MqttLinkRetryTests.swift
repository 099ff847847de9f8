import HoistWatchCore
import Testing

@testable import HoistWatchAgent

/// Scripts for the link's retries: `session` per successful connect, short retries while alarms wait, failover to
/// a backup and back. Time is fed by hand.
@Suite struct MqttLinkRetryTests {
    static let second: Int64 = 1_000_000_000

    static func link(endpoints: Int = 1, seed: UInt64 = 3) -> MqttLink {
        var config = MqttLinkTests.config
        config.endpointCount = endpoints
        return MqttLink(configuration: config, random: SplitMix64(seed: seed), lastSession: 10)
    }

    /// Fails attempts until the delay reaches the cap; returns the time of the last failure.
    static func failUntilTheCap(_ link: inout MqttLink, from start: Int64) -> Int64 {
        var now = start
        for _ in 0..<10 {
            guard case .reconnect(let delay) = link.connectFailed(nowNs: now, reason: "refused") else { break }
            if delay >= 48 * second { return now }
            now += delay
            _ = link.timerFired(nowNs: now)
        }
        return now
    }

    @Test func sessionRisesOnEverySuccessfulConnectOnly() {
        var link = Self.link()
        #expect(link.start(nowNs: 0) == .connect(deadlineNs: 30 * Self.second))
        #expect(link.session == 10 && link.attemptSession == 11)
        var now: Int64 = 0
        // Six refused or failed attempts: the will of each carries 11, the counter stays 10.
        for attempt in 0..<6 {
            let action =
                attempt % 2 == 0
                ? link.connectRefused(connackCode: 3, reason: "unavailable", nowNs: now)
                : link.connectFailed(nowNs: now, reason: "refused")
            guard case .reconnect(let delay) = action else {
                Issue.record("expected a retry, got \(action)")
                return
            }
            now += delay
            _ = link.timerFired(nowNs: now)
            #expect(link.session == 10 && link.attemptSession == 11)
        }
        #expect(link.connectAttempts == 7)
        #expect(link.connected(nowNs: now, backlogThroughPosition: 0) == .publishBirth)
        #expect(link.session == 11 && link.attemptSession == 11)
        _ = link.connectionLost(nowNs: now + Self.second, reason: "EOF")
        #expect(link.session == 11 && link.attemptSession == 12)
    }

    @Test func alarmsWaitingCutALongWaitShortAndKeepRetriesWithinSeconds() {
        var link = Self.link()
        _ = link.start(nowNs: 0)
        let now = Self.failUntilTheCap(&link, from: 0)
        guard case .waiting(let untilNs) = link.phase else {
            Issue.record("expected waiting, got \(link.phase)")
            return
        }
        #expect(untilNs - now >= 48 * Self.second, "no alarms: the usual cap")
        // An alarm is stored: the wait is cut to at most the alarm cap (jittered).
        guard case .reconnect(let delay) = link.alarmsWaiting(true, nowNs: now + Self.second) else {
            Issue.record("expected a shorter retry")
            return
        }
        #expect(delay <= 5 * Self.second && delay >= 4 * Self.second)
        // Further failures with alarms waiting stay within the alarm cap, jittered (not all equal).
        var at = now + Self.second + delay
        var delays: [Int64] = []
        for _ in 0..<5 {
            _ = link.timerFired(nowNs: at)
            guard case .reconnect(let next) = link.connectFailed(nowNs: at, reason: "refused") else { return }
            delays.append(next)
            at += next
        }
        #expect(delays.allSatisfy { $0 <= 5 * Self.second && $0 >= 4 * Self.second })
        #expect(Set(delays).count > 1)
        // Said again while the wait is already short: nothing changes.
        #expect(link.alarmsWaiting(true, nowNs: at - delays.last! + 1) == .none)
    }

    @Test func alarmRetriesGiveWayToTheUsualCapTenMinutesIntoAnOutage() {
        var link = Self.link()
        _ = link.start(nowNs: 0)
        _ = link.alarmsWaiting(true, nowNs: 0)
        var now: Int64 = 0
        var last: Int64 = 0
        while now < 700 * Self.second {
            guard case .reconnect(let delay) = link.connectFailed(nowNs: now, reason: "refused") else { return }
            if now < 595 * Self.second { #expect(delay <= 5 * Self.second) }
            last = delay
            now += delay
            _ = link.timerFired(nowNs: now)
        }
        #expect(last >= 48 * Self.second, "after alarmFastRetryNs the usual cap applies again")
        // The cap on a refused password is not shortened by alarms.
        var refused = Self.link()
        _ = refused.start(nowNs: 0)
        _ = refused.alarmsWaiting(true, nowNs: 0)
        guard case .reportAuthFailure(_, let retry) = refused.connectRefused(connackCode: 5, reason: "no", nowNs: 0)
        else { return }
        #expect(retry >= 60 * Self.second)
        #expect(refused.alarmsWaiting(true, nowNs: Self.second) == .none)
    }

    @Test func failsOverToTheBackupAndGoesBackToThePrimary() {
        var link = Self.link(endpoints: 3)
        _ = link.start(nowNs: 0)
        #expect(link.endpoint == 0)
        var now: Int64 = 0
        var visited: [Int] = []
        for _ in 0..<6 {
            guard case .reconnect(let delay) = link.connectFailed(nowNs: now, reason: "refused") else { return }
            visited.append(link.endpoint)
            now += delay
            _ = link.timerFired(nowNs: now)
        }
        // Two failed attempts on each, then the next; round to the primary again.
        #expect(visited == [0, 1, 1, 2, 2, 0])
        // Fails over to endpoint 1 and connects there.
        _ = link.connectFailed(nowNs: now, reason: "refused")
        guard case .reconnect(let delay) = link.connectFailed(nowNs: now + 1, reason: "refused") else { return }
        #expect(link.endpoint == 1)
        #expect(delay <= 1 * Self.second, "a different broker is tried after the first delay, not the grown one")
        now += 1 + delay
        _ = link.timerFired(nowNs: now)
        #expect(link.connected(nowNs: now, backlogThroughPosition: 0) == .publishBirth)
        let deadline = try! #require(link.returnToPrimaryDeadlineNs)
        #expect(deadline == now + 300 * Self.second)
        #expect(link.timerFired(nowNs: deadline - 1) == .none)
        #expect(link.timerFired(nowNs: deadline) == .switchEndpoint(deadlineNs: deadline + 30 * Self.second))
        #expect(link.endpoint == 0)
        #expect(link.connected(nowNs: deadline + 1, backlogThroughPosition: 0) == .publishBirth)
        #expect(link.returnToPrimaryDeadlineNs == nil, "on the primary it stays")
    }
}
