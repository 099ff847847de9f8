import CGpiod
import HoistWatchConfig

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An open GPIO chip through libgpiod v2 (`struct gpiod_chip *`): opened in `init`, closed in `deinit`; its name,
/// label and line count read once (`gpiod_chip_get_info`). The pointer never leaves HoistWatchBoard.
///
/// v2 opens chips by path only: a label is found as libgpiod's own tools find one, by opening every chip of
/// `chipPaths` in turn and reading its label.
final class GpiodV2Chip {
    let functions: GpiodV2Functions
    let handle: OpaquePointer
    /// How the profile named it.
    let chip: BoardProfile.Chip
    /// The kernel's name, label and line count.
    let info: GpiodChip.Info

    /// Opens `chip` by path (`gpiod_chip_open`) or by label (every chip of `chipPaths` opened until one has it).
    init(_ chip: BoardProfile.Chip, functions: GpiodV2Functions) throws(GpioError) {
        self.functions = functions
        self.chip = chip
        switch chip {
        case .path(let path):
            do {
                (handle, info) = try Self.open(path, functions: functions)
            } catch {
                var error = error
                if error.function == "gpiod_chip_open", error.code == .chipMissing {
                    let what = error.errnoValue == ENOENT
                        ? "\(path) does not exist" : "\(path) is not a GPIO chip (\(error.message))"
                    error.message = "\(what) (\(Self.inventoryText(functions)))"
                }
                error.subject = "chip \"\(chip.text)\""
                throw error
            }
        case .label(let label):
            var refused: GpioError?
            for path in functions.chipPaths() {
                do {
                    let (opened, info) = try Self.open(path, functions: functions)
                    if info.label == label {
                        (handle, self.info) = (opened, info)
                        return
                    }
                    functions.chipClose(opened)
                } catch {
                    if refused == nil { refused = error }
                }
            }
            if var refused, refused.code == .permissionDenied {
                // A chip that could not be opened may be the one: say so, not that there is none.
                refused.message = "\(refused.message): \(refused.subject) cannot be opened to read its label"
                refused.subject = "chip \"\(chip.text)\""
                throw refused
            }
            throw GpioError(.chipMissing, function: "gpiod_chip_open", subject: "chip \"\(chip.text)\"",
                            errnoValue: ENOENT, message: "no GPIO chip is labelled \"\(label)\" on this machine "
                                + "(\(Self.inventoryText(functions)))")
        }
    }

    deinit { functions.chipClose(handle) }

    /// The kernel's name (`gpiochip0`).
    var name: String { info.name }
    /// The kernel's label (`pinctrl-bcm2711`).
    var label: String { info.label }
    /// How many lines the chip has.
    var lineCount: UInt32 { info.lineCount }

    /// Opens the chip at `path` and reads its info (`gpiod_chip_open`, `gpiod_chip_get_info`); the chip is the
    /// caller's to close.
    private static func open(_ path: String, functions: GpiodV2Functions) throws(GpioError)
        -> (OpaquePointer, GpiodChip.Info)
    {
        guard let chip = path.withCString({ functions.chipOpen($0) }) else {
            throw GpioError.fromErrno("gpiod_chip_open", subject: path)
        }
        guard let info = functions.chipGetInfo(chip) else {
            let error = GpioError.fromErrno("gpiod_chip_get_info", subject: path)
            functions.chipClose(chip)
            throw error
        }
        defer { functions.chipInfoFree(info) }
        let found = GpiodChip.Info(
            name: functions.chipInfoGetName(info).map { String(cString: $0) } ?? "?",
            label: functions.chipInfoGetLabel(info).map { String(cString: $0) } ?? "?",
            lineCount: UInt32(clamping: functions.chipInfoGetNumLines(info)))
        return (chip, found)
    }

    /// Every chip on this machine, for messages that say what there is instead.
    static func inventory(_ functions: GpiodV2Functions) -> [GpiodChip.Info] {
        var found: [GpiodChip.Info] = []
        for path in functions.chipPaths() {
            guard let (chip, info) = try? open(path, functions: functions) else { continue }
            functions.chipClose(chip)
            found.append(info)
        }
        return found
    }

    /// "chips here: gpiochip0 "pinctrl-bcm2711" (58 lines), ..." or that there are none (the v1 wording).
    static func inventoryText(_ functions: GpiodV2Functions) -> String {
        let chips = inventory(functions)
        if chips.isEmpty { return "it has no GPIO chip at all: /dev/gpiochip* does not exist" }
        return "chips here: " + chips.map(\.description).joined(separator: ", ")
    }
}
