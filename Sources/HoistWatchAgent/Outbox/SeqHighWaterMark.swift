import Glibc

/// A persisted bound on every `seq` the outbox handed out, kept outside its database (`outbox.db.seq` beside it): if
/// the database is lost (damaged and moved aside, truncated to nothing, replaced), the new one continues above it,
/// so `seq` never goes back and a subscriber sees the loss as a gap.
///
/// The file holds two numbers. `reserved`: the outbox reserves seqs in blocks of `block`; before it hands out a seq
/// above the mark it writes the mark one block higher, so every seq ever stored is at or below it (one small write
/// per `block` events). `published`: the highest seq handed out to an entry held in memory (published, not stored),
/// written when that happens, so a restart after such entries were lost does not hand their seqs out again. Both
/// are written in place into a file of fixed size, then `fsync`: no new block of the file system is needed, so it
/// works on a full card (not on a read-only one).
final class SeqHighWaterMark: Sendable {
    /// Seqs reserved per write.
    static let block: Int64 = 1000
    private static let width = 48

    /// What the file says.
    struct Mark: Sendable, Hashable {
        /// Every seq stored is at or below it.
        var reserved: Int64
        /// The highest seq published from memory (0: none).
        var published: Int64
    }

    let path: String

    init(path: String) { self.path = path }

    /// The mark, nil when the file is missing or unreadable.
    func read() -> Mark? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: Self.width)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, Self.width, 0) }
        guard count > 0 else { return nil }
        let numbers = String(decoding: buffer[0..<count], as: UTF8.self).split(whereSeparator: {
            $0 == " " || $0 == "\n" || $0 == "\0"
        })
        guard let reserved = numbers.first.flatMap({ Int64($0) }) else { return nil }
        return Mark(reserved: reserved, published: numbers.dropFirst().first.flatMap { Int64($0) } ?? 0)
    }

    /// Writes `mark` and syncs it; false when the file could not be written (read-only card: the caller goes on,
    /// and a later write retries).
    func write(_ mark: Mark) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var text = Array("\(mark.reserved) \(mark.published)".utf8)
        text.append(contentsOf: [UInt8](repeating: UInt8(ascii: " "), count: Self.width - 1 - text.count))
        text.append(UInt8(ascii: "\n"))
        let written = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, Self.width, 0) }
        return written == Self.width && fsync(fd) == 0
    }
}
