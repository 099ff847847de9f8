import HoistWatchConfig
import HoistWatchCore
import HoistWatchFiles
import Testing

/// What `make fuzz` found in the TOML every config file goes through: four kinds of malformed text made toml++
/// (inside TOMLKit) fail an assertion and abort the process, so `hoistwatch check`, `run` or `simulate` died on a
/// typo instead of naming the line (`TOMLSyntaxGuard` refuses them first).
@Suite struct TOMLSectionTests {
    /// The header of the scenario file `fuzz-scenario` crashed on (its other lines were a valid scenario), and the
    /// shortest forms of the same fault: `[[`, blanks before the name, a name that is not ASCII, a line break; and
    /// the whole calibration file `fuzz-calibration` crashed on next: a byte order mark before the header.
    @Test(arguments: [
        ("name = \"fuzzed\"\n\n[\u{1}\0\0\0\0\0\0\u{1}]\n", 3),
        ("[\u{1}]", 1),
        ("[.wiring]\ninputs = []", 1),
        ("a = 1\n[[!step]]\n", 2),
        ("# comment\n[ \u{7F}]", 2),
        ("[é]", 1),
        ("[\n]", 1),
        ("\u{FEFF}[ \n ", 1),
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

    /// A `}` where an array expects a value: the lines of the calibration (`fuzz-calibration`) and site config
    /// (`fuzz-site-config`) the fuzzer aborted on, and the shortest forms; a Unicode line separator outside a
    /// string, which toml++ takes for a blank where an array expects a value; a date-time without its time's digits
    /// (the line of a second site config `fuzz-site-config` aborted on, and shorter forms).
    @Test(arguments: [
        ("[wiring]\ninputs = [\"enc_a2\",\n     }    \"upper_limit_2\", \"lower_liins_ok\"]\n", 3, "found '}'"),
        ("dFe_.id =[ # Site config of one board\n                 }}}}}\n", 2, "found '}'"),
        ("a = [}", 1, "found '}'"),
        ("a = [1, # one\n\n}", 3, "found '}'"),
        ("a = {b = [}]}", 1, "found '}'"),
        ("a = [\u{2028} 1]", 1, "U+2028"),
        ("a = [\u{85}]", 1, "U+0085"),
        ("x = 1\ny = \u{2029}", 2, "U+2029"),
        ("device_id = \"x\"\nboard = 1979-05-27T(07:32:00Z\"si\\\\status_in\\outbox]\n", 2, "after its 'T'"),
        ("a = 1979-05-27t:", 1, "after its 'T'"),
        ("a = [1979-05-27Tx:]", 1, "after its 'T'"),
    ])
    func whatTomlppAbortedOnInValuesIsASyntaxErrorOnItsLine(text: String, line: Int, saying: String) {
        #expect {
            _ = try TOMLSection.parse(text)
        } throws: { error in
            guard let error = error as? InputError else { return false }
            return error.code == .syntax && error.line == line && error.message.contains(saying)
        }
    }

    /// A value toml++ reads as a date with a space before its time, whose time is one digit and then the value's
    /// end (`DateSpaceDigit`): the first lines of the site config (`fuzz-site-config`) and scenario
    /// (`fuzz-scenario`) it aborted on, then the shortest forms: in an array, after `_`s toml++ skips, before a
    /// `,`, `]`, `#` or a Unicode blank, with an `e` after the first `-`, in an inline table.
    @Test(arguments: [
        (
            "7id = 5=92-05-2= 2\t\t\t\tmple\"       # ptional: default 8883 when tls_ca is set, else 1822%22\"sim\"\n"
                + "calib,,,,,,in_voltage0_raw,,,,,[[[[[[[[[[[ \"lift-1\"\nbo8T; = 5\n", 1
        ),
        ("# The car oversh # The drc loses coisted\"\npenp =1979-05-=$ 3 s after the car is back at theel\"\n", 2),
        ("a = 1979-05-27 1\n", 1),
        ("x = 1\na = [\n  1979-05-27 1]", 3),
        ("a = 1_9_7_9-0_5-27 1,", 1),
        ("a = [1979-05-27 1, 2]", 1),
        ("a = 1979-05-27 1#", 1),
        ("a = 0000-00-00 0\u{3000}", 1),
        ("a = 1979-05-2e 1\n", 1),
        ("t = {a = 1979-05-27 1}", 1),
    ])
    func aDateWithASpaceAndOneDigitAsItsTimeIsASyntaxErrorOnItsLine(text: String, line: Int) {
        #expect {
            _ = try TOMLSection.parse(text)
        } throws: { error in
            guard let error = error as? InputError else { return false }
            return error.code == .syntax && error.line == line && error.message.contains("a single digit as its time")
        }
    }

    /// What is close to that but on which toml++ does not abort is left to it: dates and date-times with a space,
    /// a key shaped like such a date, and forms toml++ refuses itself (no value's end after the digit, more than ten
    /// scalars, a `+`, a base or an exponent among them, a tab instead of the space, a Unicode blank before it).
    @Test func valuesCloseToADateWithOneDigitAreLeftToTheParser() throws {
        let valid = """
            a = 1979-05-27 07:32:00
            b = [1979-05-27, 1979-05-28 ]
            c = 1979-05-27 # a date
            1234-67-9= 5
            d = { e = 1979-05-27 07:32:00Z }
            """
        let root = try TOMLSection.parse(valid)
        #expect(root.keys == ["1234-67-9", "a", "b", "c", "d"])
        #expect(try root.int("1234-67-9") == 5)
        for text in [
            "a = 1979-05-27 1", "a = 1979-05-27 12", "a = 1979-05-270 1\n", "a = 1979-05-2+ 1\n",
            "a = 1e79-05-27 1\n", "a = 0b79-05-27 1\n", "a = 0x79-05-27 1\n", "a = 1979-05-27\t1\n",
            "a = 1979-05-27 x\n", "a =\u{A0}1979-05-27 1 ",
        ] {
            #expect {
                _ = try TOMLSection.parse(text)
            } throws: { error in
                guard let error = error as? InputError else { return false }
                return error.code == .syntax && !error.message.contains("a single digit as its time")
            }
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
            h = [{}, {k = [1, ]}, "\u{2028}"]  # \u{2028} in a comment
            i = [ # a comment, then the values
              "x", ]
            j = 1979-05-27T07:32:00Z
            key1979-05-27Tx = "a bare key, not a date"
            [ok]
            g = 1
            [[list]]
            [ "quoted" ]
            """
        let root = try TOMLSection.parse(text)
        #expect(root.keys == ["a", "b", "c", "d", "e", "f", "h", "i", "j", "key1979-05-27Tx", "list", "ok", "quoted"])
        #expect(try root.string("c") == "[!]")
        #expect(try root.section("ok").int("g") == 1)
    }
}
