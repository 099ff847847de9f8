import HoistWatchCore

/// How the events of a replay compare with a scenario's `[[expect]]` list.
public struct ExpectationReport: Sendable, CustomStringConvertible {
    /// Expectations that did not get their `count` of events: the expectation and how many matched.
    public var unmet: [(expectation: Expectation, found: Int)] = []
    /// Events no expectation accounts for.
    public var unexpected: [Event] = []

    /// Exactly the expected events, no more, no fewer.
    public var passed: Bool { unmet.isEmpty && unexpected.isEmpty }

    /// One line per unmet expectation and per unexpected event.
    public var description: String {
        var lines: [String] = []
        for (expectation, found) in unmet {
            var line =
                "\(expectation.key): expected \(expectation.count) \(expectation.type.rawValue) \(expectation.transition.rawValue)"
            if let dataCase = expectation.dataCase { line += " (case \(dataCase))" }
            if let cause = expectation.cause { line += " (cause \(cause))" }
            line += " between \(expectation.atSMin) s and \(expectation.atSMax) s, found \(found)"
            lines.append(line)
        }
        for event in unexpected {
            var line =
                "unexpected \(event.type.rawValue) \(event.transition.rawValue) at \(Double(event.monoNs) / 1e9) s"
            if case .text(let dataCase)? = event.data["case"] { line += " (case \(dataCase))" }
            if case .texts(let causes)? = event.data["causes"] { line += " (causes \(causes.joined(separator: ",")))" }
            lines.append(line)
        }
        return lines.isEmpty ? "all expectations met" : lines.joined(separator: "\n")
    }
}

extension Scenario {
    /// Compares the events a replay produced with the `[[expect]]` list: every expectation must match exactly
    /// `count` events (type, transition, time window, and `case`/`cause` when given) and every event must be
    /// accounted for by one expectation.
    public func verify(_ events: [Event]) -> ExpectationReport {
        var matched = Array(repeating: 0, count: expectations.count)
        var report = ExpectationReport()
        for event in events {
            let atS = Double(event.monoNs) / 1e9
            let index = expectations.indices.first { index in
                let expectation = expectations[index]
                return matched[index] < expectation.count && expectation.matches(event)
                    && atS >= expectation.atSMin && atS <= expectation.atSMax
            }
            if let index { matched[index] += 1 } else { report.unexpected.append(event) }
        }
        for index in expectations.indices where matched[index] != expectations[index].count {
            report.unmet.append((expectations[index], matched[index]))
        }
        return report
    }
}

extension Expectation {
    /// Type, transition, and the optional data filters (the time window aside).
    func matches(_ event: Event) -> Bool {
        guard event.type == type, event.transition == transition else { return false }
        if let dataCase {
            guard case .text(let found)? = event.data["case"], found == dataCase else { return false }
        }
        if let cause {
            guard case .texts(let found)? = event.data["causes"], found.contains(cause) else { return false }
        }
        return true
    }
}
