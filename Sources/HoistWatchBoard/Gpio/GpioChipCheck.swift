import HoistWatchCore
import HoistWatchConfig

/// The I/O half of checking a board profile: are its chips on this machine, with enough lines? (The pure half,
/// `BoardProfile.parse`, refuses what is wrong in the file itself.)
public enum GpioChipCheck {
    /// One problem per chip of `profile` that `source` cannot use, keyed to the first key naming that chip
    /// (`inputs.enc_a.chip`, `hx711.chip`), and one per line beyond its chip (`inputs.door_zone.line`); the caller
    /// adds the profile's file. Opens each chip to read its label and line count; requests no line.
    public static func problems(_ profile: BoardProfile, source: any GpioLineSource) -> [InputError] {
        var problems: [InputError] = []
        for chip in profile.chips {
            // (the key naming the chip, the key naming the line, the offset)
            var lines: [(chipKey: String, lineKey: String, offset: UInt32)] = []
            for input in profile.inputs.keys.sorted() where profile.inputs[input]!.chip == chip {
                let prefix = "inputs.\(input.wireName)"
                lines.append(("\(prefix).chip", "\(prefix).line", profile.inputs[input]!.offset))
            }
            if case .gpio(chip, let dout, let sck) = profile.loadCell {
                lines += [("hx711.chip", "hx711.dout_line", dout), ("hx711.chip", "hx711.sck_line", sck)]
            }
            if let reason = source.chipProblem(chip, offsets: []) {
                problems.append(InputError(.invalidValue, key: lines[0].chipKey, reason))
                continue
            }
            for line in lines {
                guard let reason = source.chipProblem(chip, offsets: [line.offset]) else { continue }
                problems.append(InputError(.invalidValue, key: line.lineKey, reason))
            }
        }
        return problems
    }

    /// The problems of `profile` on this machine's libgpiod (`GpiodLibrary.system()`); when no libgpiod can be
    /// loaded, that is the problem of each chip.
    public static func problems(_ profile: BoardProfile) -> [InputError] {
        let source: any GpioLineSource
        do {
            source = try GpiodLibrary.system().lineSource
        } catch {
            return profile.chips.map { chip in
                let key = profile.inputs.keys.sorted().first { profile.inputs[$0]!.chip == chip }
                    .map { "inputs.\($0.wireName).chip" } ?? "hx711.chip"
                return InputError(.invalidValue, key: key, "\(error.message); \(error.hint ?? "")")
            }
        }
        return problems(profile, source: source)
    }
}
