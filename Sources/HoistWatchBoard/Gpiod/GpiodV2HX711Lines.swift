import CGpiod
import HoistWatchConfig

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The HX711's two lines through libgpiod v2 (`[hx711] mode = "gpio"`): one request of both, PD_SCK an output that
/// starts inactive (a high PD_SCK powers the chip down), DOUT an input, no edge detection. Owns the request (and
/// through it the chip): requested in `init`, released in `deinit`. Used from one thread (the load cell's).
final class GpiodV2HX711Lines: HX711LinePort {
    private let request: GpiodV2Request
    private let sckLine: UInt32
    private let doutLine: UInt32
    private let sckSubject: String
    private let doutSubject: String
    /// The first failure of a write or read since the last `takeFailure()`.
    private var failure: GpioError?

    /// Requests `sckLine` as an output at 0 and `doutLine` as an input of `chip` (`gpiod_chip_request_lines`, one
    /// request), for `consumer`.
    init(chip chipName: BoardProfile.Chip, doutLine: UInt32, sckLine: UInt32, functions: GpiodV2Functions,
         consumer: String) throws(GpioError)
    {
        let sckSubject = "chip \"\(chipName.text)\" line \(sckLine) (hx711 PD_SCK)"
        let doutSubject = "chip \"\(chipName.text)\" line \(doutLine) (hx711 DOUT)"
        let subject = "\(sckSubject), \(doutSubject)"
        let lineConfig = try GpiodV2LineConfig(functions: functions, subject: subject)
        try lineConfig.add(offsets: [sckLine], GpiodV2LineSettings(direction: GPIOD_LINE_DIRECTION_OUTPUT,
                                                                   outputValue: GPIOD_LINE_VALUE_INACTIVE),
                           subject: sckSubject)
        try lineConfig.add(offsets: [doutLine], GpiodV2LineSettings(direction: GPIOD_LINE_DIRECTION_INPUT),
                           subject: doutSubject)
        let requestConfig = try GpiodV2RequestConfig(consumer: consumer, eventBufferSize: 0, functions: functions,
                                                     subject: subject)
        let chip = try GpiodV2Chip(chipName, functions: functions)
        for (offset, lineSubject) in [(sckLine, sckSubject), (doutLine, doutSubject)] where offset >= chip.lineCount {
            throw GpioError(.invalidLine, function: "gpiod_chip_request_lines", subject: lineSubject,
                            message: "\(chip.name) \"\(chip.label)\" has only \(chip.lineCount) lines "
                                + "(offsets 0 to \(Int(chip.lineCount) - 1))")
        }
        request = try GpiodV2Request(chip: chip, requestConfig: requestConfig, lineConfig: lineConfig,
                                     subject: subject)
        self.sckLine = sckLine
        self.doutLine = doutLine
        self.sckSubject = sckSubject
        self.doutSubject = doutSubject
    }

    /// Drives PD_SCK (`gpiod_line_request_set_value`); a failure is kept for `takeFailure`.
    func setClock(_ high: Bool) {
        let value = high ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE
        if request.functions.lineRequestSetValue(request.handle, sckLine, value) != 0, failure == nil {
            failure = GpioError.fromErrno("gpiod_line_request_set_value", subject: sckSubject)
        }
    }

    /// Samples DOUT (`gpiod_line_request_get_value`); a failed read answers "high" (no conversion ready), so the
    /// read in progress fails as the chip not answering, and is kept for `takeFailure`.
    func readData() -> Bool {
        let value = request.functions.lineRequestGetValue(request.handle, doutLine)
        if value == GPIOD_LINE_VALUE_ERROR {
            if failure == nil { failure = GpioError.fromErrno("gpiod_line_request_get_value", subject: doutSubject) }
            return true
        }
        return value == GPIOD_LINE_VALUE_ACTIVE
    }

    /// CLOCK_MONOTONIC, the clock of the GPIO edge timestamps.
    func monotonicNs() -> Int64 { request.functions.monotonicNs(request.chip.handle) }

    /// The first failure since the last call, if any.
    func takeFailure() -> GpioError? {
        defer { failure = nil }
        return failure
    }
}
