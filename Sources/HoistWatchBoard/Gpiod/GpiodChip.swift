import CGpiod
import HoistWatchConfig

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An open GPIO chip (`struct gpiod_chip *`): opened in `init`, closed in `deinit`. The pointer never leaves
/// HoistWatchBoard.
final class GpiodChip {
    /// A chip found on this machine, for messages.
    struct Info: Sendable, Hashable, CustomStringConvertible {
        var name: String
        var label: String
        var lineCount: UInt32
        var description: String { "\(name) \"\(label)\" (\(lineCount) lines)" }
    }

    let functions: GpiodFunctions
    let handle: OpaquePointer
    /// How the profile named it.
    let chip: BoardProfile.Chip

    /// Opens `chip` by label (`gpiod_chip_open_by_label`) or path (`gpiod_chip_open`).
    init(_ chip: BoardProfile.Chip, functions: GpiodFunctions) throws(GpioError) {
        self.functions = functions
        self.chip = chip
        let opened: OpaquePointer?
        let function: String
        switch chip {
        case .label(let label):
            function = "gpiod_chip_open_by_label"
            opened = label.withCString { functions.chipOpenByLabel($0) }
        case .path(let path):
            function = "gpiod_chip_open"
            opened = path.withCString { functions.chipOpen($0) }
        }
        guard let opened else {
            let saved = errno
            var error = GpioError.fromErrno(function, subject: "chip \"\(chip.text)\"", errnoValue: saved)
            if error.code == .chipMissing {
                let what: String
                switch chip {
                case .label(let label): what = "no GPIO chip is labelled \"\(label)\" on this machine"
                case .path(let path) where saved == ENOENT: what = "\(path) does not exist"
                case .path(let path): what = "\(path) is not a GPIO chip (\(error.message))"
                }
                error.message = "\(what) (\(Self.inventoryText(functions)))"
            }
            throw error
        }
        handle = opened
    }

    deinit { functions.chipClose(handle) }

    /// The kernel's name (`gpiochip0`), `gpiod_chip_name`.
    var name: String { functions.chipName(handle).map { String(cString: $0) } ?? "?" }
    /// The kernel's label (`pinctrl-bcm2711`), `gpiod_chip_label`.
    var label: String { functions.chipLabel(handle).map { String(cString: $0) } ?? "?" }
    /// How many lines the chip has, `gpiod_chip_num_lines`.
    var lineCount: UInt32 { functions.chipNumLines(handle) }
    /// Name, label and line count together.
    var info: Info { Info(name: name, label: label, lineCount: lineCount) }

    /// The line of `spec` (`gpiod_chip_get_line`); owned by the chip, valid while it is open.
    func line(_ spec: GpioLineSpec) throws(GpioError) -> OpaquePointer {
        try line(offset: spec.line.offset, subject: spec.subject)
    }

    /// The line at `offset` (`gpiod_chip_get_line`), `subject` naming it in errors; owned by the chip, valid while
    /// it is open.
    func line(offset: UInt32, subject: String) throws(GpioError) -> OpaquePointer {
        let count = lineCount
        guard offset < count else {
            throw GpioError(
                .invalidLine, function: "gpiod_chip_get_line", subject: subject,
                message: "\(name) \"\(label)\" has only \(count) lines (offsets 0 to \(Int(count) - 1))")
        }
        guard let line = functions.chipGetLine(handle, offset) else {
            throw GpioError.fromErrno("gpiod_chip_get_line", subject: subject)
        }
        return line
    }

    /// Requests `lines` of this chip together (`gpiod_line_request_bulk`) as `type` with `flags`; `defaults` are the
    /// starting values of output lines (nil for inputs). The bulk is the caller's to release and deallocate.
    func requestBulk(
        _ lines: [OpaquePointer], type: Int32, flags: Int32 = 0, defaults: [Int32]? = nil,
        consumer: String, subject: String
    ) throws(GpioError) -> UnsafeMutablePointer<gpiod_line_bulk> {
        let bulk = UnsafeMutablePointer<gpiod_line_bulk>.allocate(capacity: 1)
        gpiod_line_bulk_init(bulk)
        for line in lines { gpiod_line_bulk_add(bulk, line) }
        var values = defaults ?? []
        let rc = consumer.withCString { name in
            var config = gpiod_line_request_config(consumer: name, request_type: type, flags: flags)
            return defaults == nil
                ? functions.lineRequestBulk(bulk, &config, nil)
                : functions.lineRequestBulk(bulk, &config, &values)
        }
        guard rc == 0 else {
            let error = GpioError.fromErrno("gpiod_line_request_bulk", subject: subject)
            bulk.deallocate()
            throw error
        }
        return bulk
    }

    /// Every chip on this machine (`gpiod_chip_iter_*`), for messages that say what there is instead.
    static func inventory(_ functions: GpiodFunctions) throws(GpioError) -> [Info] {
        guard let iterator = functions.chipIterNew() else {
            throw GpioError.fromErrno("gpiod_chip_iter_new", subject: "/dev/gpiochip*")
        }
        defer { functions.chipIterFree(iterator) }
        var found: [Info] = []
        // Each chip the iterator returns is closed by the next call or by gpiod_chip_iter_free.
        while let chip = functions.chipIterNext(iterator) {
            found.append(
                Info(
                    name: functions.chipName(chip).map { String(cString: $0) } ?? "?",
                    label: functions.chipLabel(chip).map { String(cString: $0) } ?? "?",
                    lineCount: functions.chipNumLines(chip)))
        }
        return found
    }

    /// "chips here: gpiochip0 "pinctrl-bcm2711" (58 lines), ..." or why there are none.
    static func inventoryText(_ functions: GpiodFunctions) -> String {
        do {
            let chips = try inventory(functions)
            if chips.isEmpty { return "it has no GPIO chip at all: /dev/gpiochip* does not exist" }
            return "chips here: " + chips.map(\.description).joined(separator: ", ")
        } catch {
            return "the chips cannot be listed: \(error.message)"
        }
    }
}

extension GpiodChip.Info {
    /// What `check --config` says of a profile's chip once it opened, the same for libgpiod v1 and v2: nil when every
    /// offset the profile uses is on it, else the first line beyond its last.
    func problem(offsets: [UInt32]) -> String? {
        guard let beyond = offsets.first(where: { $0 >= lineCount }) else { return nil }
        return
            "line \(beyond) is beyond \(name) \"\(label)\", which has \(lineCount) lines (0 to \(Int(lineCount) - 1))"
    }
}

extension GpioError {
    /// What `check --config` says of a profile's chip that did not open: the message, and what to check unless the
    /// chip is simply missing (the message then lists the chips there are).
    var chipProblem: String { message + (code == .chipMissing ? "" : hint.map { "; \($0)" } ?? "") }
}
