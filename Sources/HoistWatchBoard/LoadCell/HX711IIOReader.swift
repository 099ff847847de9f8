#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HoistWatchCore

/// The HX711 through the Linux kernel's IIO driver (`drivers/iio/adc/hx711.c`, device tree `avia,hx711`;
/// docs/hx711.md): each read of `in_voltage0_raw` makes the kernel clock one conversion out of the chip with
/// interrupts off, so the pulse timing holds whatever user space is doing.
///
/// A read blocks until the chip has a conversion (up to about a second when it does not answer, then the driver
/// returns EIO), so it belongs on its own thread. Every failure is a failed sample (`raw: null`), never a throw:
/// a load cell that stops answering is a sensor fault for the detectors, not a reason to stop the agent.
public struct HX711IIOReader: Sendable {
    /// Where the kernel lists IIO devices.
    public static let devicesFolder = "/sys/bus/iio/devices"
    /// The `name` attribute of the HX711 driver's IIO device.
    public static let driverName = "hx711"
    /// The channel A attribute (the driver reads it with gain 128 unless the scale was changed).
    public static let defaultChannel = "in_voltage0_raw"

    /// The IIO device folder (`/sys/bus/iio/devices/iio:device0`).
    public let device: String
    /// The raw attribute read for each sample (`in_voltage0_raw`).
    public let channel: String
    /// Millivolts per count (`in_voltage0_scale`, or the driver's shared `in_voltage_scale`), read once when
    /// opened; nil when the driver has none. Informative only: calibration works in counts (`raw_per_kg`).
    public let scaleMvPerCount: Double?
    private let readAttribute: @Sendable (String) -> SysfsRead

    /// Opens the HX711 IIO device `device` and its `channel`. `readAttribute` is the seam for tests (a fake
    /// sysfs folder, injected driver errors); on a board it is `SysfsAttribute.read`.
    ///
    /// - Throws: `InputError` keyed to the profile's `hx711.iio_device` when the folder is missing or is another
    ///   driver's device (naming the HX711 folders this machine has), or to `hx711.iio_channel` when the
    ///   attribute is missing.
    public init(device: String, channel: String = defaultChannel,
                readAttribute: @escaping @Sendable (String) -> SysfsRead = SysfsAttribute.read) throws(InputError)
    {
        let parent = Self.parentFolder(of: device)
        switch readAttribute(device + "/name") {
        case .failed(let code):
            let found = Self.devices(in: parent, readAttribute: readAttribute)
            let what = code == ENOENT ? "does not exist" : "has no readable name (\(SysfsAttribute.message(code)))"
            throw InputError(.invalidValue, key: "hx711.iio_device",
                             "\(device) \(what): the kernel has not bound the HX711 driver there. "
                                 + Self.hint(found: found, in: parent))
        case .text(let text):
            let name = Self.trimmed(text)
            guard name == Self.driverName else {
                let found = Self.devices(in: parent, readAttribute: readAttribute)
                throw InputError(.invalidValue, key: "hx711.iio_device",
                                 "\(device) is the IIO device \"\(name)\", not an \(Self.driverName) "
                                     + "(IIO numbers follow probe order). " + Self.hint(found: found, in: parent))
            }
        }
        // Existence only: reading the attribute would make the driver take a conversion (up to a second).
        if access(device + "/" + channel, F_OK) != 0 {
            throw InputError(.invalidValue, key: "hx711.iio_channel",
                             "\(device) has no attribute \(channel): the HX711 driver offers in_voltage0_raw "
                                 + "(channel A) and in_voltage1_raw (channel B)")
        }
        self.device = device
        self.channel = channel
        self.readAttribute = readAttribute
        scaleMvPerCount = Self.scale(device: device, channel: channel, readAttribute: readAttribute)
    }

    /// Reads one conversion.
    public func read() -> HX711IIOReading {
        switch readAttribute(device + "/" + channel) {
        case .failed(let code):
            return .failed(.readFailed(errno: code))
        case .text(let text):
            let number = Self.trimmed(text)
            guard let value = Int64(number) else { return .failed(.notANumber(number)) }
            guard let bits = UInt32(exactly: value), let frame = HX711Frame(iioOffsetBinary: bits) else {
                return .failed(.outOfRange(value))
            }
            guard let raw = frame.raw else { return .failed(.saturated(frame)) }
            return .raw(raw)
        }
    }

    /// Reads one conversion as the input event of `channel` at `tNs` (a failed read when it failed).
    public func sample(_ channel: AdcChannel = .load, atNs tNs: Int64) -> InputEvent {
        switch read() {
        case .raw(let raw): return .sample(channel, raw: raw, atNs: tNs)
        case .failed: return .sample(channel, raw: nil, atNs: tNs)
        }
    }

    /// The device folders under `folder` whose `name` is `hx711`, sorted.
    public static func devices(in folder: String = devicesFolder,
                               readAttribute: @Sendable (String) -> SysfsRead = SysfsAttribute.read) -> [String]
    {
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var found: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard name.hasPrefix("iio:device") else { continue }
            let path = folder + "/" + name
            if case .text(let text) = readAttribute(path + "/name"), trimmed(text) == driverName { found.append(path) }
        }
        return found.sorted()
    }

    private static func hint(found: [String], in folder: String) -> String {
        switch found.count {
        case 0:
            return "No hx711 device in \(folder): is the avia,hx711 overlay in config.txt and the hx711 module "
                + "loaded (docs/hx711.md)? Otherwise use mode = \"gpio\""
        case 1:
            return "The hx711 is \(found[0]): set iio_device to it"
        default:
            return "hx711 devices: \(found.joined(separator: ", ")): set iio_device to the load cell's"
        }
    }

    /// `in_voltage0_scale`, else the type-wide `in_voltage_scale` the HX711 driver has.
    private static func scale(device: String, channel: String, readAttribute: (String) -> SysfsRead) -> Double? {
        guard channel.hasSuffix("_raw") else { return nil }
        let base = String(channel.dropLast(4))
        var candidates = [base + "_scale"]
        if let typeEnd = base.lastIndex(where: { !$0.isNumber }), typeEnd < base.index(before: base.endIndex) {
            candidates.append(String(base[...typeEnd]) + "_scale")
        }
        for name in candidates {
            if case .text(let text) = readAttribute(device + "/" + name), let value = Double(trimmed(text)) {
                return value
            }
        }
        return nil
    }

    private static func parentFolder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    private static func trimmed(_ text: String) -> String {
        String(text.drop(while: { $0.isWhitespace }).reversed().drop(while: { $0.isWhitespace }).reversed())
    }
}

/// One read of the HX711's IIO channel.
public enum HX711IIOReading: Sendable, Hashable {
    /// The signed reading, -8388607...8388606 (trace.md's `raw`).
    case raw(Int32)
    /// No usable value: a failed sample.
    case failed(HX711IIOFailure)
}

/// Why a read of the HX711's IIO channel gave no value.
public enum HX711IIOFailure: Sendable, Hashable, CustomStringConvertible {
    /// The read failed: EIO when the chip did not signal ready within the driver's wait (unpowered, unwired,
    /// DOUT stuck high); ETIMEDOUT from drivers that say so; ENOENT/ENODEV when the device went away.
    case readFailed(errno: Int32)
    /// The attribute did not hold a number.
    case notANumber(String)
    /// A number outside the driver's 24-bit range.
    case outOfRange(Int64)
    /// The chip's saturation code: its input is out of range (overload, broken bridge wire).
    case saturated(HX711Frame)

    /// A stable snake_case name for counters and log metadata.
    public var reason: String {
        switch self {
        case .readFailed: return "read_failed"
        case .notANumber: return "not_a_number"
        case .outOfRange: return "out_of_range"
        case .saturated: return "saturated"
        }
    }

    /// Why the read failed, in words for the log.
    public var description: String {
        switch self {
        case .readFailed(let code):
            return "read failed: \(SysfsAttribute.errnoName(code)) (\(SysfsAttribute.message(code)))"
        case .notANumber(let text):
            return "not a number: \"\(text)\""
        case .outOfRange(let value):
            return "\(value) is outside the driver's 24-bit range 0...16777215"
        case .saturated(let frame):
            return "saturated at \(frame): the bridge signal is out of the ADC's range"
        }
    }
}
