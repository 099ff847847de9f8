/// Parses RFC 3339 UTC/offset timestamps (`2026-11-22T08:00:00.123Z`) without Foundation.
public enum RFC3339 {
    /// Nanoseconds since the Unix epoch, or nil when `text` is not an RFC 3339 date-time or lies outside what an
    /// Int64 of nanoseconds holds (1677-09-21 to 2262-04-11).
    public static func parseNs(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        func number(_ start: Int, _ count: Int) -> Int64? {
            guard start + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[start..<start + count] {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int64(byte - 0x30)
            }
            return value
        }
        guard bytes.count >= 20, let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
            let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var fractionNs: Int64 = 0
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale: Int64 = 100_000_000
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                fractionNs += Int64(bytes[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
        }
        var offsetS: Int64 = 0
        guard index < bytes.count else { return nil }
        if bytes[index] == UInt8(ascii: "Z") || bytes[index] == UInt8(ascii: "z") {
            index += 1
        } else if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            guard let offsetHours = number(index + 1, 2), let offsetMinutes = number(index + 4, 2) else { return nil }
            offsetS = (offsetHours * 3600 + offsetMinutes * 60) * (bytes[index] == UInt8(ascii: "+") ? 1 : -1)
            index += 6
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }
        // days_from_civil (Howard Hinnant).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthIndex = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetS
        // Nanoseconds since 1970 fit an Int64 only from 1677 to 2262: a time outside is no time this can stand for
        // (a trace header's `start_time` of year 9999 trapped here; found by `make fuzz`).
        let (wholeNs, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (ns, overflowFraction) = wholeNs.addingReportingOverflow(fractionNs)
        return overflow || overflowFraction ? nil : ns
    }
}
