import HoistWatchCore

/// Changes values in a TOML document's text without touching anything else: comments, blank lines, key order
/// and layout stay as the installer wrote them (TOMLKit re-serialises a document without its comments, which
/// would wipe the explanations a calibration file carries).
///
/// It understands what calibration files hold: `[section]` headers, `key = value` lines with an optional
/// trailing comment, and arrays that may span lines. A replaced value keeps its line's trailing comment at the
/// same column; comments inside a multi-line array that is replaced are lost (the array is written on one line).
/// The caller parses the result again (`Calibration.parse`) before writing it anywhere.
public enum TOMLTextEdit {
    /// Set `key` of `[section]` to `value` (a TOML literal, e.g. `84123` or `[0.0, 3.3]`).
    public struct Update: Sendable, Hashable {
        /// The section's name as in its `[header]` (e.g. `load`).
        public var section: String
        /// The key inside the section.
        public var key: String
        /// The new value as TOML text, written as is.
        public var value: String

        /// Sets `key` of `[section]` to the TOML literal `value`.
        public init(section: String, key: String, value: String) {
            self.section = section
            self.key = key
            self.value = value
        }
    }

    /// The text with every update applied: an existing key is replaced in place, a missing key is added at the
    /// end of its section, a missing section is appended.
    public static func apply(_ updates: [Update], to text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for update in updates { apply(update, to: &lines) }
        return lines.joined(separator: "\n")
    }

    private static func apply(_ update: Update, to lines: inout [String]) {
        guard let header = lines.firstIndex(where: { sectionName($0) == update.section }) else {
            // Keep a final newline final: insert before the trailing empty element when there is one.
            let at = lines.last == "" ? lines.count - 1 : lines.count
            lines.insert(contentsOf: ["", "[\(update.section)]", "\(update.key) = \(update.value)"], at: at)
            return
        }
        let end = lines[(header + 1)...].firstIndex(where: { sectionName($0) != nil }) ?? lines.count
        var index = header + 1
        while index < end {
            if keyName(lines[index]) == update.key {
                replaceValue(of: update, startingAt: index, in: &lines)
                return
            }
            index += 1
        }
        // Not there: after the section's last key line (keeping trailing blank lines and comments below it).
        var insertAt = header + 1
        for line in header + 1..<end where isContent(lines[line]) { insertAt = line + 1 }
        lines.insert("\(update.key) = \(update.value)", at: insertAt)
    }

    private static func replaceValue(of update: Update, startingAt start: Int, in lines: inout [String]) {
        let line = Array(lines[start])
        let equals = line.firstIndex(of: "=")!
        var valueStart = equals + 1
        while valueStart < line.count, line[valueStart] == " " || line[valueStart] == "\t" { valueStart += 1 }
        let prefix = String(line[..<valueStart])
        // Find where the value ends: its last line and the column after it there.
        var depth = 0
        var inString: Character?
        var row = start
        var column = valueStart
        var current = line
        var comment = ""
        scan: while true {
            while column < current.count {
                let char = current[column]
                if let quote = inString {
                    if char == "\\" && quote == "\"" {
                        column += 2
                        continue
                    }
                    if char == quote { inString = nil }
                } else if char == "\"" || char == "'" {
                    inString = char
                } else if char == "[" {
                    depth += 1
                } else if char == "]" {
                    depth -= 1
                } else if char == "#" {
                    if depth == 0 {
                        comment = String(current[column...])
                        break scan
                    }
                    // A comment inside a multi-line array: skip the rest of this line.
                    column = current.count
                    continue
                }
                column += 1
            }
            if depth <= 0 || row + 1 >= lines.count { break }
            row += 1
            current = Array(lines[row])
            column = 0
        }
        var replaced = prefix + update.value
        if !comment.isEmpty {
            // The comment stays at its column when the new value fits before it.
            let gap = max(1, (current.count - comment.count) - replaced.count)
            replaced += String(repeating: " ", count: gap) + comment
        }
        lines.replaceSubrange(start...row, with: [replaced])
    }

    /// `[name]` of a header line (not `[[array]]`), else nil.
    static func sectionName(_ line: String) -> String? {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        guard trimmed.hasPrefix("["), !trimmed.hasPrefix("[["), let close = trimmed.firstIndex(of: "]") else {
            return nil
        }
        return trimmed[trimmed.index(after: trimmed.startIndex)..<close].trimmingSpaces
    }

    /// The bare key of a `key = value` line, else nil.
    static func keyName(_ line: String) -> String? {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        guard let first = trimmed.first, first != "#", first != "[", let equals = trimmed.firstIndex(of: "=") else {
            return nil
        }
        let key = trimmed[..<equals].trimmingSpaces
        return key.isEmpty ? nil : key
    }

    private static func isContent(_ line: String) -> Bool {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        return !trimmed.isEmpty && !trimmed.hasPrefix("#")
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
