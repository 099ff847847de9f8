import Glibc

/// A persisted bound on every `seq` the outbox handed out, kept outside its database (`outbox.db.seq` beside it): if
/// the database is lost (damaged and moved aside, truncated to nothing, replaced), the new one continues above it,
/// so `seq` never goes back and a subscriber sees the loss as a gap.
///
/// The outbox reserves seqs in blocks of `block`: before it hands out a seq above the mark it writes the mark one
/// block higher (in place, into a file of fixed size, then `fsync`: no new block of the file system is needed, so
/// it works on a full card too). One small write per `block` events.
final class SeqHighWaterMark: Sendable {
    /// Seqs reserved per write.
    static let block: Int64 = 1000
    private static let width = 24

    let path: String

    init(path: String) { self.path = path }

    /// The mark, nil when the file is missing or unreadable.
    func read() -> Int64? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: Self.width)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, Self.width, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[0..<count], as: UTF8.self)
        return Int64(text.trimmingCharacters(in: { $0 == " " || $0 == "\n" || $0 == "\0" }))
    }

    /// Writes `mark` and syncs it; false when the file could not be written (read-only card: the caller goes on,
    /// and a later write retries).
    func write(_ mark: Int64) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var text = Array(String(mark).utf8)
        text.append(contentsOf: [UInt8](repeating: UInt8(ascii: " "), count: Self.width - 1 - text.count))
        text.append(UInt8(ascii: "\n"))
        let written = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, Self.width, 0) }
        return written == Self.width && fsync(fd) == 0
    }
}

extension String {
    fileprivate func trimmingCharacters(in isTrimmed: (Character) -> Bool) -> String {
        var text = Substring(self)
        while let first = text.first, isTrimmed(first) { text.removeFirst() }
        while let last = text.last, isTrimmed(last) { text.removeLast() }
        return String(text)
    }
}
