import HoistWatchCore

/// The link's last touch on an event payload before it is sent (mqtt.md): the corrected `time` once the clock
/// synced, and `"historical": true` for backlog. Payloads are the core's own canonical JSON
/// (`Event.jsonBytes()`), whose first `"time":"` key is the top-level one (it precedes `data`), so the edit is
/// a byte splice, not a parse. Anything else (status, flight records) goes out untouched.
public enum PayloadFinalizer {
    private static let timeKey = Array(",\"time\":\"".utf8)
    private static let syncedFalse = Array("\",\"time_synced\":false".utf8)
    private static let syncedTrue = Array("\",\"time_synced\":true".utf8)
    private static let historical = Array(",\"historical\":true}".utf8)
    private static let schemaPrefix = Array("{\"schema\":\"hoistwatch.event/".utf8)

    /// `entry.payload`, finished.
    public static func finalize(_ entry: OutboxEntry, isBacklog: Bool) -> [UInt8] {
        var payload = entry.payload
        guard payload.starts(with: schemaPrefix) else { return payload }
        if entry.timeSynced, let start = find(timeKey, in: payload) {
            let valueStart = start + timeKey.count
            if let end = find(syncedFalse, in: payload, from: valueStart) {
                let corrected = Array(WallTime.rfc3339(ns: entry.wallNs).utf8) + syncedTrue
                payload.replaceSubrange(valueStart..<(end + syncedFalse.count), with: corrected)
            }
        }
        if isBacklog, payload.last == UInt8(ascii: "}"), find(Array("\"historical\":".utf8), in: payload) == nil {
            payload.removeLast()
            payload.append(contentsOf: historical)
        }
        return payload
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int = 0) -> Int? {
        guard needle.count <= haystack.count, from <= haystack.count - needle.count else { return nil }
        var index = from
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0] && haystack[index..<(index + needle.count)].elementsEqual(needle) {
                return index
            }
            index += 1
        }
        return nil
    }
}
