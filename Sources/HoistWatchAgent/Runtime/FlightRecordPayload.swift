import HoistWatchCore

/// What a flight record's MQTT payload is: its trace (trace.md) as one Zstandard frame (`Zstd`, level 6), so the
/// demo's overspeed record of 55,902 input events goes out as about 200 KB instead of 2.6 MB of text. A subscriber
/// tells the two apart by the first bytes: the frame's magic `28 b5 2f fd`, or `{` for trace text, which is what it
/// gets should compression ever fail (the record is never held back for it). README, "Flight records".
public enum FlightRecordPayload {
    /// The Zstandard level: 6 gives the demo's record 197 KB in ~40 ms of one core here; level 3 gives 245 KB (too
    /// close to the 260 KB target), level 9 179 KB at three times the CPU.
    public static let level: Int32 = 6

    /// The record's payload: the trace compressed, or the trace text if libzstd fails.
    public static func encode(_ record: FlightRecord) -> [UInt8] {
        let text = record.encoded()
        return (try? Zstd.compress(text, level: level)) ?? text
    }

    /// The trace text of a payload made by `encode` (either form); throws when a frame does not decode.
    public static func trace(of payload: [UInt8]) throws(Zstd.Failure) -> [UInt8] {
        payload.starts(with: Zstd.magic) ? try Zstd.decompress(payload) : payload
    }
}
