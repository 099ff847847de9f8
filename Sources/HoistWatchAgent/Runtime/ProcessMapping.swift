/// One mapping of `/proc/self/smaps`: the address range, the permissions, the file, and how much of it is
/// resident and how much of that is the process's own (anonymous) copy. Parsed without I/O, so the rule for
/// which mappings may be trimmed is tested on text.
public struct ProcessMapping: Equatable, Sendable {
    /// The mapping's first address.
    public var start: UInt
    /// The address just past the mapping (exclusive), so `end - start` is its length in bytes.
    public var end: UInt
    /// `r-xp`, `r--p`, `rw-p`, `rw-s`, ...
    public var permissions: String
    /// The file's path; empty for anonymous memory, `[heap]`, `[stack]`, `[vdso]` and the like for the kernel's.
    public var path: String
    /// The mapped file's inode; 0 for anonymous and kernel mappings, which are never trimmed.
    public var inode: UInt64
    /// How much of the mapping is resident, kB (`Rss:`); a mapping with none is not worth advising.
    public var rssKb: Int
    /// Pages of this mapping that are the process's own copy (copy-on-write, relocated data): zapping them would
    /// lose what was written, so a mapping with any is never trimmed.
    public var anonymousKb: Int
    /// `VmFlags` (`rd ex mr mw me ...`); `lo` means locked in memory.
    public var flags: [Substring]

    /// Whether `madvise(MADV_DONTNEED)` on this mapping only drops the process's page-table entries for clean
    /// pages of a file, which the page cache still holds and a later access maps again without I/O: a private,
    /// read-only mapping of a real file with no anonymous page (nothing of it was ever written: relocated data
    /// made read-only after the loader wrote it has anonymous pages), and not locked. (`mw`, may-write, is set on
    /// every private mapping and says nothing.)
    public var isTrimmable: Bool {
        permissions.utf8.count == 4 && permissions.hasPrefix("r-") && permissions.hasSuffix("p")
            && inode != 0 && path.hasPrefix("/")
            && anonymousKb == 0 && rssKb > 0
            && !flags.contains("lo")
    }

    /// Every mapping of a smaps text; lines it does not know are skipped, so a newer kernel's fields do no harm.
    public static func parse(smaps: String) -> [ProcessMapping] {
        var mappings: [ProcessMapping] = []
        for line in smaps.split(separator: "\n", omittingEmptySubsequences: true) {
            if let header = header(line) {
                mappings.append(header)
                continue
            }
            guard !mappings.isEmpty else { continue }
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let key = fields.first else { continue }
            switch key {
            case "Rss:": mappings[mappings.count - 1].rssKb = fields.count > 1 ? Int(fields[1]) ?? 0 : 0
            case "Anonymous:": mappings[mappings.count - 1].anonymousKb = fields.count > 1 ? Int(fields[1]) ?? 0 : 0
            case "VmFlags:": mappings[mappings.count - 1].flags = Array(fields.dropFirst())
            default: break
            }
        }
        return mappings
    }

    /// `55bad22d3000-55bad3b55000 r-xp 00000000 fd:01 12228 /usr/bin/hoistwatch`, or nil for a field line.
    private static func header(_ line: Substring) -> ProcessMapping? {
        let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
        guard fields.count >= 5, let dash = fields[0].firstIndex(of: "-"),
              let start = UInt(fields[0][..<dash], radix: 16),
              let end = UInt(fields[0][fields[0].index(after: dash)...], radix: 16),
              fields[1].utf8.count == 4, let inode = UInt64(fields[4])
        else { return nil }
        let path = fields.count > 5 ? String(fields[5].drop(while: { $0 == " " })) : ""
        return ProcessMapping(start: start, end: end, permissions: String(fields[1]), path: path, inode: inode,
                              rssKb: 0, anonymousKb: 0, flags: [])
    }
}
