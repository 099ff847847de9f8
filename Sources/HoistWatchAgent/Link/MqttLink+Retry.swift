/// The link's retry policy: capped, jittered exponential backoff, shortened while alarms wait, and failing over
/// between endpoints.
extension MqttLink {
    /// The owner's reading of the outbox: whether alarm entries are waiting. While they are, the first retries after
    /// a loss come at most `alarmMaxBackoffNs` apart (jittered); a wait already longer than that is cut short
    /// (`.reconnect` with the shorter delay). Credential refusals keep their slow retry.
    public mutating func alarmsWaiting(_ waiting: Bool, nowNs: Int64) -> Action {
        alarmsAreWaiting = waiting
        guard waiting, case .waiting(let untilNs, nil) = state, isWithinAlarmWindow(nowNs: nowNs),
            untilNs - nowNs > configuration.alarmMaxBackoffNs
        else { return .none }
        let delay = configuration.alarmMaxBackoffNs - jitter(of: configuration.alarmMaxBackoffNs)
        lastRetryDelayNs = delay
        state = .waiting(untilNs: nowNs + delay, authCode: nil)
        return .reconnect(afterNs: delay)
    }

    func isWithinAlarmWindow(nowNs: Int64) -> Bool {
        nowNs - (outageSinceNs ?? nowNs) < configuration.alarmFastRetryNs
    }

    mutating func fail(nowNs: Int64, reason: String) -> Action {
        if outageSinceNs == nil { outageSinceNs = nowNs }
        consecutiveFailures += 1
        failuresOnEndpoint += 1
        lastError = reason
        var delay: Int64
        if configuration.endpointCount > 1, failuresOnEndpoint >= configuration.failoverAfterFailures {
            // The next endpoint is a different broker: try it soon rather than after the grown backoff.
            endpoint = (endpoint + 1) % configuration.endpointCount
            failuresOnEndpoint = 0
            delay = configuration.initialBackoffNs - jitter(of: configuration.initialBackoffNs)
        } else {
            delay = backoff(failures: consecutiveFailures)
        }
        if alarmsAreWaiting, isWithinAlarmWindow(nowNs: nowNs), delay > configuration.alarmMaxBackoffNs {
            delay = configuration.alarmMaxBackoffNs - jitter(of: configuration.alarmMaxBackoffNs)
        }
        lastRetryDelayNs = delay
        state = .waiting(untilNs: nowNs + delay, authCode: nil)
        return .reconnect(afterNs: delay)
    }

    /// `min(max, initial * 2^(failures-1))` minus up to `jitterFraction` of it.
    mutating func backoff(failures: Int) -> Int64 {
        var base = configuration.initialBackoffNs
        for _ in 1..<max(1, failures) where base < configuration.maxBackoffNs {
            base = base > configuration.maxBackoffNs / 2 ? configuration.maxBackoffNs : base * 2
        }
        base = min(base, configuration.maxBackoffNs)
        return base - jitter(of: base)
    }

    mutating func jitter(of value: Int64) -> Int64 {
        let unit = Double(random.next() >> 11) * 0x1p-53
        return Int64(Double(value) * configuration.jitterFraction * unit)
    }
}
