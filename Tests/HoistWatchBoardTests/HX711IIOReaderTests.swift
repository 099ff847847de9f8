import Foundation
import HoistWatchBoard
import HoistWatchCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The kernel IIO path against a fake sysfs folder in a temporary directory: two IIO devices (a BME280 probed
/// first, then the HX711), the driver's attributes, and driver errors injected at the read seam.
@Suite struct HX711IIOReaderTests {
    /// `/sys/bus/iio/devices` in miniature.
    final class FakeSysfs {
        let folder: String
        var hx711: String { folder + "/iio:device1" }

        init() throws {
            folder = FileManager.default.temporaryDirectory.path + "/hoistwatch-iio-\(UUID().uuidString.prefix(8))"
            try write("iio:device0/name", "bme280\n")
            try write("iio:device0/in_temp_input", "21370\n")
            try write("iio:device1/name", "hx711\n")
            try write("iio:device1/in_voltage0_raw", "8389608\n")  // 1000 counts above zero
            try write("iio:device1/in_voltage1_raw", "8388608\n")
            // The driver's mV per count at gain 128 from a 3.3 V AVDD regulator: 3300000 µV * 100 / 128 / 1678.
            try write("iio:device1/in_voltage_scale", "0.000001536\n")
            try write("iio:device1/in_voltage0_scale_available", "0.000001536 0.000003072 \n")
        }

        deinit { try? FileManager.default.removeItem(atPath: folder) }

        func write(_ name: String, _ text: String) throws {
            let path = folder + "/" + name
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: false, encoding: .utf8)
        }
    }

    @Test func findsTheHX711ByItsNameNotItsNumber() throws {
        let sysfs = try FakeSysfs()
        #expect(HX711IIOReader.devices(in: sysfs.folder) == [sysfs.hx711])
        #expect(HX711IIOReader.devices(in: sysfs.folder + "/missing") == [])
    }

    @Test func readsTheRawValueAndTheScale() throws {
        let sysfs = try FakeSysfs()
        let reader = try HX711IIOReader(device: sysfs.hx711)
        #expect(reader.read() == .raw(1000))
        #expect(reader.sample(atNs: 42) == .sample(.load, raw: 1000, atNs: 42))
        #expect(reader.scaleMvPerCount == 0.000001536)
        // Every read is a new conversion: a changed attribute is seen at once.
        try sysfs.write("iio:device1/in_voltage0_raw", "8388607\n")
        #expect(reader.read() == .raw(-1))
    }

    @Test func theScaleIsOptional() throws {
        let sysfs = try FakeSysfs()
        try FileManager.default.removeItem(atPath: sysfs.hx711 + "/in_voltage_scale")
        #expect(try HX711IIOReader(device: sysfs.hx711).scaleMvPerCount == nil)
        try sysfs.write("iio:device1/in_voltage0_scale", "0.5\n")
        #expect(try HX711IIOReader(device: sysfs.hx711).scaleMvPerCount == 0.5)
    }

    @Test(arguments: [
        // in_voltage0_raw       reading
        ("8388608\n", HX711IIOReading.raw(0)),
        ("8388609", .raw(1)),
        ("  16777214 \n", .raw(8_388_606)),
        ("1\n", .raw(-8_388_607)),
        ("0\n", .failed(.saturated(HX711Frame(bits: 0x80_0000)))),  // MIN: below range
        ("16777215\n", .failed(.saturated(HX711Frame(bits: 0x7F_FFFF)))),  // MAX: above range
        ("16777216\n", .failed(.outOfRange(16_777_216))),
        ("-5\n", .failed(.outOfRange(-5))),
        ("\n", .failed(.notANumber(""))),
        ("0x800000\n", .failed(.notANumber("0x800000"))),
    ])
    func rawTextBecomesAReadingOrAFailure(text: String, expected: HX711IIOReading) throws {
        let sysfs = try FakeSysfs()
        let reader = try HX711IIOReader(device: sysfs.hx711)
        try sysfs.write("iio:device1/in_voltage0_raw", text)
        #expect(reader.read() == expected)
        if case .failed = expected {
            let event = reader.sample(atNs: 7)
            #expect(event.raw == nil)
            #expect(event.value == InputEvent.failedReadSentinel)
        }
    }

    /// The driver's errors cannot be put in a regular file: they are injected at the read seam, on top of the
    /// real fake folder.
    @Test(arguments: [EIO, ETIMEDOUT, ENODEV])
    func driverErrorsAreFailedSamples(code: Int32) throws {
        let sysfs = try FakeSysfs()
        let reader = try HX711IIOReader(device: sysfs.hx711) { path in
            path.hasSuffix("/in_voltage0_raw") ? .failed(errno: code) : SysfsAttribute.read(path)
        }
        #expect(reader.read() == .failed(.readFailed(errno: code)))
        #expect(reader.sample(atNs: 100) == .sample(.load, raw: nil, atNs: 100))
    }

    @Test func realReadErrorsOfTheFolderAreFailedSamplesToo() throws {
        let sysfs = try FakeSysfs()
        let reader = try HX711IIOReader(device: sysfs.hx711)
        try FileManager.default.removeItem(atPath: sysfs.hx711 + "/in_voltage0_raw")
        #expect(reader.read() == .failed(.readFailed(errno: ENOENT)))
        try FileManager.default.createDirectory(
            atPath: sysfs.hx711 + "/in_voltage0_raw", withIntermediateDirectories: false)
        #expect(reader.read() == .failed(.readFailed(errno: EISDIR)))
    }

    @Test func failuresSayWhatHappened() {
        #expect("\(HX711IIOFailure.readFailed(errno: EIO))" == "read failed: EIO (Input/output error)")
        #expect(HX711IIOFailure.readFailed(errno: ETIMEDOUT).reason == "read_failed")
        #expect(
            "\(HX711IIOFailure.saturated(HX711Frame(bits: 0x7F_FFFF)))"
                == "saturated at 0x7FFFFF (8388607): the bridge signal is out of the ADC's range")
    }

    @Test func anotherDriversDeviceIsRefusedNamingTheHX711() throws {
        let sysfs = try FakeSysfs()
        let error = try #require(throws: InputError.self) {
            try HX711IIOReader(device: sysfs.folder + "/iio:device0")
        }
        #expect(error.key == "hx711.iio_device")
        #expect(error.message.contains("is the IIO device \"bme280\", not an hx711"))
        #expect(error.message.contains("The hx711 is \(sysfs.hx711): set iio_device to it"))
    }

    @Test func aMissingDeviceIsRefusedWithWhatToCheck() throws {
        let sysfs = try FakeSysfs()
        try FileManager.default.removeItem(atPath: sysfs.hx711)
        let error = try #require(throws: InputError.self) {
            try HX711IIOReader(device: sysfs.hx711)
        }
        #expect(error.key == "hx711.iio_device")
        #expect(error.message.hasPrefix("\(sysfs.hx711) does not exist"))
        #expect(error.message.contains("avia,hx711 overlay"))
        #expect(error.message.contains("mode = \"gpio\""))
    }

    @Test func aMissingChannelIsRefused() throws {
        let sysfs = try FakeSysfs()
        let error = try #require(throws: InputError.self) {
            try HX711IIOReader(device: sysfs.hx711, channel: "in_voltage2_raw")
        }
        #expect(error.key == "hx711.iio_channel")
        #expect(error.message.contains("no attribute in_voltage2_raw"))
    }

    @Test func openingDoesNotTakeAConversion() throws {
        let sysfs = try FakeSysfs()
        let raw = sysfs.hx711 + "/in_voltage0_raw"
        let reads = Counter()
        _ = try HX711IIOReader(device: sysfs.hx711) { path in
            if path == raw { reads.add() }
            return SysfsAttribute.read(path)
        }
        #expect(reads.value == 0)
    }

    /// Counts calls from a `@Sendable` closure.
    final class Counter: @unchecked Sendable {
        // Safe: the tests call the closure on their own thread only.
        private(set) var value = 0
        func add() { value += 1 }
    }
}
