import CGpiod

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What one line of a v2 request is set to (`gpiod_line_settings_set_*`).
struct GpiodV2LineSettings {
    var direction: gpiod_line_direction
    var edge: gpiod_line_edge = GPIOD_LINE_EDGE_NONE
    var bias: gpiod_line_bias = GPIOD_LINE_BIAS_AS_IS
    var activeLow = false
    /// Edge events are stamped on CLOCK_MONOTONIC, asked for explicitly: it is the kernel's default too, but the
    /// whole backend (settle time, completeness, the trace's `mono_ns`) is on that clock.
    var eventClock: gpiod_line_clock = GPIOD_LINE_CLOCK_MONOTONIC
    /// The starting value of an output line.
    var outputValue: gpiod_line_value? = nil

    /// An input reporting both edges with `bias` and `activeLow`, stamped on CLOCK_MONOTONIC.
    static func bothEdges(bias: gpiod_line_bias, activeLow: Bool) -> GpiodV2LineSettings {
        GpiodV2LineSettings(direction: GPIOD_LINE_DIRECTION_INPUT, edge: GPIOD_LINE_EDGE_BOTH, bias: bias,
                            activeLow: activeLow)
    }
}

/// A v2 line configuration (`struct gpiod_line_config *`): made in `init`, freed in `deinit`; settings per line
/// are added with `add`.
final class GpiodV2LineConfig {
    let functions: GpiodV2Functions
    let handle: OpaquePointer

    /// `gpiod_line_config_new`.
    init(functions: GpiodV2Functions, subject: String) throws(GpioError) {
        guard let handle = functions.lineConfigNew() else {
            throw GpioError.fromErrno("gpiod_line_config_new", subject: subject)
        }
        self.functions = functions
        self.handle = handle
    }

    deinit { functions.lineConfigFree(handle) }

    /// Sets `offsets` to `settings`: a `gpiod_line_settings` made, set (each setter checked: the real library
    /// refuses a value it does not know), added (`gpiod_line_config_add_line_settings` copies it) and freed.
    func add(offsets: [UInt32], _ settings: GpiodV2LineSettings, subject: String) throws(GpioError) {
        guard let made = functions.lineSettingsNew() else {
            throw GpioError.fromErrno("gpiod_line_settings_new", subject: subject)
        }
        defer { functions.lineSettingsFree(made) }
        func check(_ rc: Int32, _ function: String) throws(GpioError) {
            if rc != 0 { throw GpioError.fromErrno(function, subject: subject) }
        }
        try check(functions.lineSettingsSetDirection(made, settings.direction), "gpiod_line_settings_set_direction")
        try check(functions.lineSettingsSetEdgeDetection(made, settings.edge), "gpiod_line_settings_set_edge_detection")
        try check(functions.lineSettingsSetBias(made, settings.bias), "gpiod_line_settings_set_bias")
        functions.lineSettingsSetActiveLow(made, settings.activeLow)
        try check(functions.lineSettingsSetEventClock(made, settings.eventClock), "gpiod_line_settings_set_event_clock")
        if let value = settings.outputValue {
            try check(functions.lineSettingsSetOutputValue(made, value), "gpiod_line_settings_set_output_value")
        }
        let rc = offsets.withUnsafeBufferPointer {
            functions.lineConfigAddLineSettings(handle, $0.baseAddress, $0.count, made)
        }
        try check(rc, "gpiod_line_config_add_line_settings")
    }
}

/// A v2 request configuration (`struct gpiod_request_config *`): consumer and kernel event buffer size, made in
/// `init`, freed in `deinit`.
final class GpiodV2RequestConfig {
    let functions: GpiodV2Functions
    let handle: OpaquePointer

    /// `gpiod_request_config_new`, `_set_consumer`, `_set_event_buffer_size` (0: the kernel's 16 per line).
    init(consumer: String, eventBufferSize: Int, functions: GpiodV2Functions, subject: String) throws(GpioError) {
        guard let handle = functions.requestConfigNew() else {
            throw GpioError.fromErrno("gpiod_request_config_new", subject: subject)
        }
        self.functions = functions
        self.handle = handle
        consumer.withCString { functions.requestConfigSetConsumer(handle, $0) }
        functions.requestConfigSetEventBufferSize(handle, max(0, eventBufferSize))
    }

    deinit { functions.requestConfigFree(handle) }
}

/// Lines requested through libgpiod v2 (`struct gpiod_line_request *`, one kernel file and one event FIFO for all
/// of them): requested in `init` (`gpiod_chip_request_lines`), released in `deinit`. Holds its chip open.
final class GpiodV2Request {
    let chip: GpiodV2Chip
    let handle: OpaquePointer
    var functions: GpiodV2Functions { chip.functions }

    /// Requests the lines `lineConfig` sets on `chip`, as `requestConfig` says.
    init(chip: GpiodV2Chip, requestConfig: GpiodV2RequestConfig, lineConfig: GpiodV2LineConfig, subject: String)
        throws(GpioError)
    {
        guard let handle = chip.functions.chipRequestLines(chip.handle, requestConfig.handle, lineConfig.handle) else {
            throw GpioError.fromErrno("gpiod_chip_request_lines", subject: subject)
        }
        self.chip = chip
        self.handle = handle
    }

    deinit { functions.lineRequestRelease(handle) }
}

/// A v2 edge event buffer (`struct gpiod_edge_event_buffer *`): made in `init`, freed in `deinit`. Its events
/// belong to it and are overwritten by the next read.
final class GpiodV2EdgeEventBuffer {
    let functions: GpiodV2Functions
    let handle: OpaquePointer
    /// How many events one read may return.
    let capacity: Int

    /// `gpiod_edge_event_buffer_new(capacity)` (libgpiod caps it at 1024).
    init(capacity: Int, functions: GpiodV2Functions) throws(GpioError) {
        guard let handle = functions.edgeEventBufferNew(capacity) else {
            throw GpioError.fromErrno("gpiod_edge_event_buffer_new", subject: "edge event buffer of \(capacity)")
        }
        self.functions = functions
        self.handle = handle
        self.capacity = capacity
    }

    deinit { functions.edgeEventBufferFree(handle) }
}
