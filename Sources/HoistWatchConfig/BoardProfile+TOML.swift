import HoistWatchCore

extension BoardProfile {
    /// The largest line offset a profile may name; real chips have far fewer (the I/O check compares with the
    /// chip's own count).
    public static let maxLineOffset = 65_535

    /// Parses and validates a board profile's text (docs/gpio.md). Errors name the key and the reason; the caller
    /// adds the file. Whether the chips exist on this machine is an I/O check (`GpioChipDirectory` in
    /// HoistWatchBoard).
    public static func parse(toml text: String) throws(InputError) -> BoardProfile {
        let root = try TOMLSection.parse(text)
        let description = try root.optionalString("description")
        let inputsSection = try root.section("inputs")
        // Each (chip, offset) carries one signal; the first user of each, for the message.
        var users: [LineKey: String] = [:]
        var inputs: [InputName: Line] = [:]
        for name in inputsSection.keys {
            guard let input = InputName(wireName: name) else {
                let known = InputName.allCases.map(\.wireName).joined(separator: ", ")
                throw InputError(
                    .unknownKey, key: inputsSection.keyPath(name),
                    "\"\(name)\" is not a logical input of trace.md (known: \(known))")
            }
            let section = try inputsSection.section(name)
            let line = try parseLine(section)
            try claim(LineKey(chip: line.chip, offset: line.offset), for: name, key: section.keyPath("line"), &users)
            inputs[input] = line
        }
        try inputsSection.rejectUnknownKeys()
        guard !inputs.isEmpty else {
            throw InputError(.invalidValue, key: "inputs", "maps no input: add a [inputs.NAME] table per wired input")
        }
        if (inputs[.encA] == nil) != (inputs[.encB] == nil) {
            throw InputError(
                .invalidValue, key: inputs[.encA] == nil ? "inputs.enc_a" : "inputs.enc_b",
                "enc_a and enc_b are a quadrature pair: map both or neither")
        }

        var loadCell: LoadCellWiring?
        if let section = try root.optionalSection("hx711") {
            loadCell = try parseLoadCell(section, &users)
        }
        try root.rejectUnknownKeys()
        return BoardProfile(description: description, inputs: inputs, loadCell: loadCell)
    }

    private struct LineKey: Hashable {
        var chip: Chip
        var offset: UInt32
    }

    private static func claim(
        _ line: LineKey, for user: String, key: String, _ users: inout [LineKey: String]
    )
        throws(InputError)
    {
        if let other = users[line] {
            throw InputError(
                .invalidValue, key: key,
                "line \(line.offset) of \(line.chip) is already used by \(other): a line carries one signal")
        }
        users[line] = user
    }

    private static func parseLine(_ section: TOMLSection) throws(InputError) -> Line {
        let chip = try parseChip(section)
        let offset = try parseOffset(section, "line")
        guard let activeLow = try section.optionalBool("active_low") else {
            throw InputError(
                .missingKey, key: section.keyPath("active_low"),
                "required: true when the asserted state pulls the pin low (optocoupler, switch to ground)")
        }
        let biasText = try section.string("bias")
        guard let bias = Bias(rawValue: biasText) else {
            let known = Bias.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw InputError(
                .invalidValue, key: section.keyPath("bias"),
                "must be one of \(known), got \"\(biasText)\"")
        }
        try section.rejectUnknownKeys()
        return Line(chip: chip, offset: offset, activeLow: activeLow, bias: bias)
    }

    private static func parseChip(_ section: TOMLSection) throws(InputError) -> Chip {
        guard let text = try section.optionalString("chip") else {
            throw InputError(
                .missingKey, key: section.keyPath("chip"),
                "required: the GPIO chip's label (like \"pinctrl-bcm2711\") or its path (/dev/gpiochip0)")
        }
        guard !text.isEmpty, !text.contains(where: { $0.isNewline || $0 == "\0" }) else {
            throw InputError(.invalidValue, key: section.keyPath("chip"), "must be a chip label or a /dev path")
        }
        return Chip(text)
    }

    private static func parseOffset(_ section: TOMLSection, _ key: String) throws(InputError) -> UInt32 {
        let offset = try section.int(key)
        guard (0...maxLineOffset).contains(offset) else {
            throw InputError(
                .invalidValue, key: section.keyPath(key),
                "must be a line offset from 0 to \(maxLineOffset), got \(offset)")
        }
        return UInt32(offset)
    }

    private static func parseLoadCell(
        _ section: TOMLSection, _ users: inout [LineKey: String]
    )
        throws(InputError) -> LoadCellWiring
    {
        let mode = try section.string("mode")
        let wiring: LoadCellWiring
        switch mode {
        case "iio":
            let device = try section.string("iio_device")
            guard device.hasPrefix("/") else {
                throw InputError(
                    .invalidValue, key: section.keyPath("iio_device"),
                    "must be the IIO device's sysfs folder, like /sys/bus/iio/devices/iio:device0")
            }
            let channel = try section.optionalString("iio_channel") ?? "in_voltage0_raw"
            guard !channel.isEmpty, !channel.contains("/") else {
                throw InputError(
                    .invalidValue, key: section.keyPath("iio_channel"),
                    "must be a file name in the device folder, like in_voltage0_raw")
            }
            wiring = .iio(device: device, channel: channel)
        case "gpio":
            let chip = try parseChip(section)
            let dout = try parseOffset(section, "dout_line")
            let sck = try parseOffset(section, "sck_line")
            try claim(LineKey(chip: chip, offset: dout), for: "hx711 DOUT", key: section.keyPath("dout_line"), &users)
            try claim(LineKey(chip: chip, offset: sck), for: "hx711 PD_SCK", key: section.keyPath("sck_line"), &users)
            wiring = .gpio(chip: chip, doutLine: dout, sckLine: sck)
        default:
            throw InputError(
                .invalidValue, key: section.keyPath("mode"),
                "must be \"iio\" (kernel driver) or \"gpio\" (bit-banged), got \"\(mode)\"")
        }
        try section.rejectUnknownKeys()
        return wiring
    }
}
