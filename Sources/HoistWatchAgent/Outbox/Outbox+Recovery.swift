import Glibc
import HoistWatchCore

/// Opening an outbox whose database is damaged: the agent must run (an alarm must still reach the platform), never
/// stop and be restarted by systemd in a loop over the same file.
extension Outbox {
    /// Opens the outbox at `path`; when the file is not a database or is damaged (garbage, truncated, header
    /// destroyed, `quick_check` failing, an I/O error reading it), moves it and its `-wal` and `-shm` aside to
    /// `{path}.damaged-{UTC time}` and opens a fresh one whose seqs continue above the highest seq still readable
    /// from the old file and the high-water mark (`SeqHighWaterMark`). `recovery` says what was done.
    ///
    /// - Throws: `OutboxError` when even the fresh file cannot be opened (`.cannotOpen`: the folder is missing or
    ///   not writable), or the file is of a newer schema (`.newerSchema`: moving it aside would lose what a newer
    ///   agent stored; the message says to upgrade).
    public static func openRecovering(
        path: String, capBytes: Int64 = Outbox.defaultCapBytes,
        unsavedCapBytes: Int64 = Outbox.defaultUnsavedCapBytes, reserveBytes: Int64 = Outbox.defaultReserveBytes,
        nowWallNs: Int64
    ) throws(OutboxError) -> Outbox {
        do {
            return try Outbox(
                path: path, capBytes: capBytes, unsavedCapBytes: unsavedCapBytes, reserveBytes: reserveBytes)
        } catch {
            let folder = StorageReserve.folder(of: path)
            if error.code != .newerSchema, FreeSpace.probe(folder: folder) == .readOnly {
                // A card that is read-only at start: run from memory rather than stop (systemd would restart the
                // agent into the same failure) until `reopenDurable()` finds it writable. Seqs continue above what
                // the old file and the mark show; the reserve is written once the file opens.
                let salvaged = highestReadableSeq(path: path)
                return try Outbox(
                    path: path, capBytes: capBytes, unsavedCapBytes: unsavedCapBytes, reserveBytes: reserveBytes,
                    movedAside: nil, memoryOnly: .readOnly, seqFloor: salvaged ?? 0)
            }
            guard error.code == .notADatabase || error.code == .corrupt || error.code == .io else { throw error }
            let salvaged = highestReadableSeq(path: path)
            let target = "\(path).damaged-\(compactUTC(nowWallNs))"
            for suffix in ["", "-wal", "-shm"] where access(path + suffix, F_OK) == 0 {
                guard rename(path + suffix, target + suffix) == 0 else {
                    throw OutboxError(
                        code: .cannotOpen, path: path,
                        message: "the database is unusable (\(error.message)) and could not be moved aside to "
                            + "\(target)\(suffix): \(String(cString: strerror(errno))); move it away by hand",
                        underlying: error.underlying)
                }
            }
            let recovery = OutboxRecovery(
                reason: error.description, movedTo: target, highestReadableSeq: salvaged,
                resumedAfterSeq: salvaged ?? 0)
            return try Outbox(
                path: path, capBytes: capBytes, unsavedCapBytes: unsavedCapBytes, reserveBytes: reserveBytes,
                movedAside: recovery)
        }
    }

    /// The highest seq any table of the damaged file still shows; nil when nothing can be read.
    static func highestReadableSeq(path: String) -> Int64? {
        guard let db = try? SQLiteConnection(path: path, create: false, readOnly: true) else { return nil }
        let queries = [
            "SELECT value FROM meta WHERE key = 'last_seq'", "SELECT max(seq) FROM history",
            "SELECT max(seq) FROM outbox",
        ]
        return queries.compactMap { (try? db.scalarInt64($0)) ?? nil }.max()
    }

    /// `20261201T122500Z`: a file-name-safe UTC time.
    static func compactUTC(_ wallNs: Int64) -> String {
        let text = WallTime.rfc3339(ns: wallNs)  // 2026-12-01T12:25:00.123Z
        let seconds = text.prefix(19).filter { $0 != "-" && $0 != ":" }
        return seconds + "Z"
    }
}
