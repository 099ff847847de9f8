import CGpiod
import HoistWatchConfig

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The HX711's two lines as the bit-bang loop drives them, through either libgpiod API. Used from one thread (the
/// load cell's).
protocol HX711LinePort: AnyObject {
    /// Drives PD_SCK; a failure is kept for `takeFailure`.
    func setClock(_ high: Bool)
    /// Samples DOUT; a failed read answers "high" (no conversion ready) and is kept for `takeFailure`.
    func readData() -> Bool
    /// CLOCK_MONOTONIC, the clock of the GPIO edge timestamps.
    func monotonicNs() -> Int64
    /// The first failure since the last call, if any.
    func takeFailure() -> GpioError?
}

/// The HX711's two lines through libgpiod v1 (`[hx711] mode = "gpio"`): PD_SCK requested as an output that starts
/// low (a high PD_SCK powers the chip down), DOUT as an input. Owns the chip and both requests: requested in
/// `init`, released in `deinit`. Used from one thread (the load cell's).
final class GpiodHX711Lines: HX711LinePort {
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
        let sck = try chip.line(offset: sckLine, subject: sckSubject)
        let dout = try chip.line(offset: doutLine, subject: doutSubject)
        let sckBulk = try chip.requestBulk([sck], type: Int32(GPIOD_LINE_REQUEST_DIRECTION_OUTPUT), defaults: [0],
                                           consumer: consumer, subject: sckSubject)
        let doutBulk: UnsafeMutablePointer<gpiod_line_bulk>
        do {
            doutBulk = try chip.requestBulk([dout], type: Int32(GPIOD_LINE_REQUEST_DIRECTION_INPUT),
                                            consumer: consumer, subject: doutSubject)
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
