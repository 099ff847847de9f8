import HoistWatchConfig
import HoistWatchCore
import HoistWatchFiles
import Testing

/// What `make fuzz` found in the TOML every config file goes through: a table header whose name starts with a
/// character no key can start with made toml++ (inside TOMLKit) fail an assertion and abort the process, so
/// `hoistwatch check`, `run` or `simulate` died on a typo instead of naming the line.
@Suite struct TOMLSectionTests {
    /// The header of the scenario file `fuzz-scenario` crashed on (its other lines were a valid scenario), and the
    /// shortest forms of the same fault: `[[`, blanks before the name, a name that is not ASCII, a line break.
    @Test(arguments: [
        ("name = \"fuzzed\"\n\n[\u{1}\0\0\0\0\0\0\u{1}]\n", 3),
        ("[\u{1}]", 1),
        ("[.wiring]\ninputs = []", 1),
        ("a = 1\n[[!step]]\n", 2),
        ("# comment\n[ \u{7F}]", 2),
        ("[é]", 1),
        ("[\n]", 1),
        ("x = \"\"\"\nmulti\nline\n\"\"\"\n[#]", 5),
    ])
    func aTableNameThatCannotStartAKeyIsASyntaxErrorOnItsLine(text: String, line: Int) {
        #expect {
            _ = try TOMLSection.parse(text)
        } throws: { error in
            guard let error = error as? InputError else { return false }
            return error.code == .syntax && error.line == line && error.message.contains("table name must start")
        }
    }

    /// The same through a calibration file: the error names the file and the line, the process goes on.
    @Test func aCalibrationFileWithSuchAHeaderIsRefusedWithItsName() {
        #expect {
            _ = try TextFile.calibration("site/cal.toml", text: "[equipment]\nkind = \"elevator\"\n[.encoder]\n")
        } throws: { error in
            guard let error = error as? InputError else { return false }
            return error.file == "site/cal.toml" && error.line == 3 && error.code == .syntax
        }
    }

    /// A `[` that opens no header is no header: in strings of every kind, comments, and arrays over several lines.
    @Test func bracketsInValuesStringsAndCommentsAreNotHeaders() throws {
        let text = """
            a = \"\"\"
            [!not a header]
            \"\"\"
            b = '''
            [.nor this]'''
            c = "[!]"  # [!] neither
            d = '[é]'
            e = [
              [1],
              [+2],
            ]
            f = "escaped \\" [!]"
            [ok]
            g = 1
            [[list]]
            [ "quoted" ]
            """
        let root = try TOMLSection.parse(text)
        #expect(root.keys == ["a", "b", "c", "d", "e", "f", "list", "ok", "quoted"])
        #expect(try root.string("c") == "[!]")
        #expect(try root.section("ok").int("g") == 1)
    }
}
