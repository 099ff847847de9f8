import CGpiod
import HoistWatchCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The HX711's two lines through libgpiod v1 (`[hx711] mode = "gpio"`): PD_SCK requested as an output that starts
/// low (a high PD_SCK powers the chip down), DOUT as an input. Owns the chip and both requests: requested in
/// `init`, released in `deinit`. Used from one thread (the load cell's).
final class GpiodHX711Lines {
    private let chip: GpiodChip
    private let functions: GpiodFunctions
    private let sck: OpaquePointer
    private let dout: OpaquePointer
    private let sckBulk: UnsafeMutablePointer<gpiod_line_bulk>
    private let doutBulk: UnsafeMutablePointer<gpiod_line_bulk>
    private let sckSubject: String
    private let doutSubject: String
    /// The first failure of a write or read since the last `takeFailure()`.
    private var failure: GpioError?

    /// Opens `chip` and requests `sckLine` as an output at 0 and `doutLine` as an input (`gpiod_line_request_bulk`,
    /// one line each), for `consumer`.
    init(chip chipName: BoardProfile.Chip, doutLine: UInt32, sckLine: UInt32, functions: GpiodFunctions,
         consumer: String) throws(GpioError)
    {
        let chip = try GpiodChip(chipName, functions: functions)
        let sckSubject = "chip \"\(chipName.text)\" line \(sckLine) (hx711 PD_SCK)"
        let doutSubject = "chip \"\(chipName.text)\" line \(doutLine) (hx711 DOUT)"
        let sck = try Self.line(chip, sckLine, subject: sckSubject, functions: functions)
        let dout = try Self.line(chip, doutLine, subject: doutSubject, functions: functions)
        let sckBulk = try Self.request(sck, type: Int32(GPIOD_LINE_REQUEST_DIRECTION_OUTPUT), subject: sckSubject,
                                       consumer: consumer, functions: functions)
        let doutBulk: UnsafeMutablePointer<gpiod_line_bulk>
        do {
            doutBulk = try Self.request(dout, type: Int32(GPIOD_LINE_REQUEST_DIRECTION_INPUT), subject: doutSubject,
                                        consumer: consumer, functions: functions)
        } catch {
            functions.lineReleaseBulk(sckBulk)
            sckBulk.deallocate()
            throw error
        }
        self.chip = chip
        self.functions = functions
        self.sck = sck
        self.dout = dout
        self.sckBulk = sckBulk
        self.doutBulk = doutBulk
        self.sckSubject = sckSubject
        self.doutSubject = doutSubject
    }

    deinit {
        functions.lineReleaseBulk(sckBulk)
        functions.lineReleaseBulk(doutBulk)
        sckBulk.deallocate()
        doutBulk.deallocate()
    }

    private static func line(_ chip: GpiodChip, _ offset: UInt32, subject: String, functions: GpiodFunctions)
        throws(GpioError) -> OpaquePointer
    {
        let count = chip.lineCount
        guard offset < count else {
            throw GpioError(.invalidLine, function: "gpiod_chip_get_line", subject: subject,
                            message: "\(chip.name) \"\(chip.label)\" has only \(count) lines (offsets 0 to \(Int(count) - 1))")
        }
        guard let line = functions.chipGetLine(chip.handle, offset) else {
            throw GpioError.fromErrno("gpiod_chip_get_line", subject: subject)
        }
        return line
    }

    /// One line requested with `type` (an output starts at 0).
    private static func request(_ line: OpaquePointer, type: Int32, subject: String, consumer: String,
                                functions: GpiodFunctions) throws(GpioError) -> UnsafeMutablePointer<gpiod_line_bulk>
    {
        let bulk = UnsafeMutablePointer<gpiod_line_bulk>.allocate(capacity: 1)
        gpiod_line_bulk_init(bulk)
        gpiod_line_bulk_add(bulk, line)
        var defaults: [Int32] = [0]
        let rc = consumer.withCString { name in
            var config = gpiod_line_request_config(consumer: name, request_type: type, flags: 0)
            return functions.lineRequestBulk(bulk, &config, &defaults)
        }
        guard rc == 0 else {
            let error = GpioError.fromErrno("gpiod_line_request_bulk", subject: subject)
            bulk.deallocate()
            throw error
        }
        return bulk
    }

    /// Drives PD_SCK (`gpiod_line_set_value`); a failure is kept for `takeFailure`.
    func setClock(_ high: Bool) {
        if functions.lineSetValue(sck, high ? 1 : 0) != 0, failure == nil {
            failure = GpioError.fromErrno("gpiod_line_set_value", subject: sckSubject)
        }
    }

    /// Samples DOUT (`gpiod_line_get_value`); a failed read answers "high" (no conversion ready), so the read
    /// in progress fails as the chip not answering, and is kept for `takeFailure`.
    func readData() -> Bool {
        let value = functions.lineGetValue(dout)
        if value < 0 {
            if failure == nil { failure = GpioError.fromErrno("gpiod_line_get_value", subject: doutSubject) }
            return true
        }
        return value != 0
    }

    /// CLOCK_MONOTONIC, the clock of the GPIO edge timestamps.
    func monotonicNs() -> Int64 { functions.monotonicNs(chip.handle) }

    /// The first failure since the last call, if any.
    func takeFailure() -> GpioError? {
        defer { failure = nil }
        return failure
    }
}
