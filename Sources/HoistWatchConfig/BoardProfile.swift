import HoistWatchCore

/// A board profile (`Board/profiles/NAME.toml`, docs/gpio.md): which GPIO line of which chip carries each logical
/// input of trace.md, with the line's polarity and bias, and how the HX711 load cell is connected.
///
/// Calibration never names pins; a profile never says which inputs an installation wired (calibration does).
public struct BoardProfile: Sendable, Hashable {
    /// Where a GPIO chip is found.
    public enum Chip: Sendable, Hashable, CustomStringConvertible {
        /// By the kernel's label (`pinctrl-bcm2711`, `pinctrl-rp1`): stable across kernels, unlike the number of
        /// `/dev/gpiochipN` (the Raspberry Pi 5's header moved from gpiochip4 to gpiochip0 between kernels).
        case label(String)
        /// By device path (`/dev/gpiochip0`), for generic boards whose chips have no distinctive label.
        case path(String)

        /// A profile's `chip` text: an absolute path is a path, anything else a label.
        public init(_ text: String) {
            self = text.hasPrefix("/") ? .path(text) : .label(text)
        }

        /// The text as written in the profile.
        public var text: String {
            switch self {
            case .label(let label): return label
            case .path(let path): return path
            }
        }

        /// The chip in words for messages: `the GPIO chip labelled "..."` or `the GPIO chip /dev/...`.
        public var description: String {
            switch self {
            case .label(let label): return "the GPIO chip labelled \"\(label)\""
            case .path(let path): return "the GPIO chip \(path)"
            }
        }
    }

    /// The line's internal bias resistor, as the kernel sets it when the line is requested.
    public enum Bias: String, Sendable, Hashable, CaseIterable {
        case pullUp = "pull-up"
        case pullDown = "pull-down"
        /// No internal resistor (an external one, or a push-pull driver, sets the level).
        case disabled
        /// Leave whatever the firmware or device tree configured.
        case asIs = "as-is"
    }

    /// One GPIO input line.
    public struct Line: Sendable, Hashable {
        /// The chip the line belongs to.
        public var chip: Chip
        /// The line's offset on its chip (on a Raspberry Pi header: the BCM GPIO number).
        public var offset: UInt32
        /// True when the electrical low level means "asserted" (an optocoupler or a switch to ground pulls the
        /// pin low): the kernel inverts it, so events and reads carry the logical level of trace.md.
        public var activeLow: Bool
        /// The internal bias.
        public var bias: Bias

        /// Line `offset` of `chip`, with its polarity and bias.
        public init(chip: Chip, offset: UInt32, activeLow: Bool, bias: Bias) {
            self.chip = chip
            self.offset = offset
            self.activeLow = activeLow
            self.bias = bias
        }
    }

    /// How the HX711 load-cell amplifier is connected (`[hx711]`).
    public enum LoadCellWiring: Sendable, Hashable {
        /// The kernel's IIO driver (`avia,hx711` device-tree overlay): read `channel` (e.g. `in_voltage0_raw`)
        /// of the IIO device folder `device` in sysfs.
        case iio(device: String, channel: String)
        /// Bit-banged over two GPIO lines of `chip`: DOUT read, PD_SCK driven.
        case gpio(chip: Chip, doutLine: UInt32, sckLine: UInt32)
    }

    /// Free text (`description`).
    public var description: String?
    /// The line of each logical input this board can carry; inputs not named are not available on it.
    public var inputs: [InputName: Line]
    /// The load cell's connection; nil when the board has none.
    public var loadCell: LoadCellWiring?

    /// A profile with the given lines and load cell (profile files come through `BoardProfile.parse(toml:)`).
    public init(description: String? = nil, inputs: [InputName: Line], loadCell: LoadCellWiring? = nil) {
        self.description = description
        self.inputs = inputs
        self.loadCell = loadCell
    }

    /// The inputs of `wanted` that this profile maps no line for, in trace.md's order.
    public func unmapped(_ wanted: Set<InputName>) -> [InputName] {
        wanted.sorted().filter { inputs[$0] == nil }
    }

    /// Every chip the profile names (inputs and the load cell), each once, in a stable order.
    public var chips: [Chip] {
        var result: [Chip] = []
        for input in inputs.keys.sorted() where !result.contains(inputs[input]!.chip) {
            result.append(inputs[input]!.chip)
        }
        if case .gpio(let chip, _, _) = loadCell, !result.contains(chip) { result.append(chip) }
        return result
    }
}

extension BoardProfile {
    /// The profile cut down to what an installation uses: the `wired` inputs, and the load cell only when
    /// `loadCellWired`. Chip checks look at this, so an unused chip of a generic profile does not matter.
    public func restricted(to wired: Set<InputName>, loadCellWired: Bool) -> BoardProfile {
        BoardProfile(
            description: description, inputs: inputs.filter { wired.contains($0.key) },
            loadCell: loadCellWired ? loadCell : nil)
    }
}
