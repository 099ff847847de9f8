import CGpiod
import CWake

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The libgpiod v2 functions HoistWatchBoard calls, as C function pointers: the v2 half of the one test seam at
/// the C boundary (`GpiodFunctions` is the v1 half). `system()` holds the real libgpiod 2.x symbols, looked up at
/// run time in libgpiod.so.3 (`GpiodLibrary`); tests substitute `FakeGpiod.functionsV2` (HoistWatchBoardTestKit),
/// which serves the same fake boards as the v1 fake with the v2 kernel's behaviour. Only `GpiodV2Chip`,
/// `GpiodV2Request` and the types around them call through it. The types are shim.h's typedefs, which
/// scripts/gpiod-abi-check.sh holds to the real v2 header.
///
/// Two entries are not libgpiod's. `chipPaths`: v2 has no chip iterator and no open-by-label, its tools scan
/// /dev for character devices of the GPIO subsystem (`gpiod_is_gpiochip_device`), and so does the real entry;
/// a fake lists its own chips. `monotonicNs`: the clock v2 is asked to stamp edges with (CLOCK_MONOTONIC), taking
/// the chip whose edges are timed (ignored by the real clock, used by a fake to find its board).
public struct GpiodV2Functions: @unchecked Sendable {
    // @unchecked Sendable: every field is a C function pointer, which captures nothing, or (`chipPaths`) a
    // @Sendable closure.

    /// `gpiod_chip_open`
    public var chipOpen: hw_gpiod2_chip_open_fn
    /// `gpiod_chip_close`
    public var chipClose: hw_gpiod2_chip_close_fn
    /// `gpiod_chip_get_info`
    public var chipGetInfo: hw_gpiod2_chip_get_info_fn
    /// `gpiod_chip_info_free`
    public var chipInfoFree: hw_gpiod2_chip_info_free_fn
    /// `gpiod_chip_info_get_name`
    public var chipInfoGetName: hw_gpiod2_chip_info_get_name_fn
    /// `gpiod_chip_info_get_label`
    public var chipInfoGetLabel: hw_gpiod2_chip_info_get_label_fn
    /// `gpiod_chip_info_get_num_lines`
    public var chipInfoGetNumLines: hw_gpiod2_chip_info_get_num_lines_fn
    /// `gpiod_chip_request_lines`
    public var chipRequestLines: hw_gpiod2_chip_request_lines_fn
    /// `gpiod_is_gpiochip_device`
    public var isGpiochipDevice: hw_gpiod2_is_gpiochip_device_fn
    /// `gpiod_line_settings_new`
    public var lineSettingsNew: hw_gpiod2_line_settings_new_fn
    /// `gpiod_line_settings_free`
    public var lineSettingsFree: hw_gpiod2_line_settings_free_fn
    /// `gpiod_line_settings_set_direction`
    public var lineSettingsSetDirection: hw_gpiod2_line_settings_set_direction_fn
    /// `gpiod_line_settings_set_edge_detection`
    public var lineSettingsSetEdgeDetection: hw_gpiod2_line_settings_set_edge_detection_fn
    /// `gpiod_line_settings_set_bias`
    public var lineSettingsSetBias: hw_gpiod2_line_settings_set_bias_fn
    /// `gpiod_line_settings_set_active_low`
    public var lineSettingsSetActiveLow: hw_gpiod2_line_settings_set_active_low_fn
    /// `gpiod_line_settings_set_event_clock`
    public var lineSettingsSetEventClock: hw_gpiod2_line_settings_set_event_clock_fn
    /// `gpiod_line_settings_set_output_value`
    public var lineSettingsSetOutputValue: hw_gpiod2_line_settings_set_output_value_fn
    /// `gpiod_line_config_new`
    public var lineConfigNew: hw_gpiod2_line_config_new_fn
    /// `gpiod_line_config_free`
    public var lineConfigFree: hw_gpiod2_line_config_free_fn
    /// `gpiod_line_config_add_line_settings`
    public var lineConfigAddLineSettings: hw_gpiod2_line_config_add_line_settings_fn
    /// `gpiod_request_config_new`
    public var requestConfigNew: hw_gpiod2_request_config_new_fn
    /// `gpiod_request_config_free`
    public var requestConfigFree: hw_gpiod2_request_config_free_fn
    /// `gpiod_request_config_set_consumer`
    public var requestConfigSetConsumer: hw_gpiod2_request_config_set_consumer_fn
    /// `gpiod_request_config_set_event_buffer_size`
    public var requestConfigSetEventBufferSize: hw_gpiod2_request_config_set_event_buffer_size_fn
    /// `gpiod_line_request_release`
    public var lineRequestRelease: hw_gpiod2_line_request_release_fn
    /// `gpiod_line_request_get_value`
    public var lineRequestGetValue: hw_gpiod2_line_request_get_value_fn
    /// `gpiod_line_request_get_values_subset`
    public var lineRequestGetValuesSubset: hw_gpiod2_line_request_get_values_subset_fn
    /// `gpiod_line_request_set_value`
    public var lineRequestSetValue: hw_gpiod2_line_request_set_value_fn
    /// `gpiod_line_request_wait_edge_events`
    public var lineRequestWaitEdgeEvents: hw_gpiod2_line_request_wait_edge_events_fn
    /// `gpiod_line_request_read_edge_events`
    public var lineRequestReadEdgeEvents: hw_gpiod2_line_request_read_edge_events_fn
    /// `gpiod_line_request_get_fd`: the request's descriptor, readable while its FIFO holds events
    public var lineRequestGetFd: hw_gpiod2_line_request_get_fd_fn
    /// `ppoll(2)` on descriptors for at most a timeout in nanoseconds (negative: none), as `GpiodFunctions.poll`
    public var poll: hw_poll_ns_fn
    /// `gpiod_edge_event_buffer_new`
    public var edgeEventBufferNew: hw_gpiod2_edge_event_buffer_new_fn
    /// `gpiod_edge_event_buffer_free`
    public var edgeEventBufferFree: hw_gpiod2_edge_event_buffer_free_fn
    /// `gpiod_edge_event_buffer_get_event`
    public var edgeEventBufferGetEvent: hw_gpiod2_edge_event_buffer_get_event_fn
    /// `gpiod_edge_event_get_event_type`
    public var edgeEventGetEventType: hw_gpiod2_edge_event_get_event_type_fn
    /// `gpiod_edge_event_get_timestamp_ns`
    public var edgeEventGetTimestampNs: hw_gpiod2_edge_event_get_timestamp_ns_fn
    /// `gpiod_edge_event_get_line_offset`
    public var edgeEventGetLineOffset: hw_gpiod2_edge_event_get_line_offset_fn
    /// `gpiod_edge_event_get_global_seqno`
    public var edgeEventGetGlobalSeqno: hw_gpiod2_edge_event_get_global_seqno_fn
    /// `gpiod_edge_event_get_line_seqno`
    public var edgeEventGetLineSeqno: hw_gpiod2_edge_event_get_line_seqno_fn
    /// The paths of the GPIO chips, in version order (`/dev/gpiochip0`, ..., `/dev/gpiochip10`), as libgpiod's
    /// tools find them.
    public var chipPaths: @Sendable () -> [String]
    /// `clock_gettime(CLOCK_MONOTONIC)` in nanoseconds; the argument is the chip whose edges are being timed.
    public var monotonicNs: @convention(c) (OpaquePointer?) -> Int64

    /// A table of the given functions (a fake's; production uses `system()`).
    public init(
        chipOpen: @escaping hw_gpiod2_chip_open_fn,
        chipClose: @escaping hw_gpiod2_chip_close_fn,
        chipGetInfo: @escaping hw_gpiod2_chip_get_info_fn,
        chipInfoFree: @escaping hw_gpiod2_chip_info_free_fn,
        chipInfoGetName: @escaping hw_gpiod2_chip_info_get_name_fn,
        chipInfoGetLabel: @escaping hw_gpiod2_chip_info_get_label_fn,
        chipInfoGetNumLines: @escaping hw_gpiod2_chip_info_get_num_lines_fn,
        chipRequestLines: @escaping hw_gpiod2_chip_request_lines_fn,
        isGpiochipDevice: @escaping hw_gpiod2_is_gpiochip_device_fn,
        lineSettingsNew: @escaping hw_gpiod2_line_settings_new_fn,
        lineSettingsFree: @escaping hw_gpiod2_line_settings_free_fn,
        lineSettingsSetDirection: @escaping hw_gpiod2_line_settings_set_direction_fn,
        lineSettingsSetEdgeDetection: @escaping hw_gpiod2_line_settings_set_edge_detection_fn,
        lineSettingsSetBias: @escaping hw_gpiod2_line_settings_set_bias_fn,
        lineSettingsSetActiveLow: @escaping hw_gpiod2_line_settings_set_active_low_fn,
        lineSettingsSetEventClock: @escaping hw_gpiod2_line_settings_set_event_clock_fn,
        lineSettingsSetOutputValue: @escaping hw_gpiod2_line_settings_set_output_value_fn,
        lineConfigNew: @escaping hw_gpiod2_line_config_new_fn,
        lineConfigFree: @escaping hw_gpiod2_line_config_free_fn,
        lineConfigAddLineSettings: @escaping hw_gpiod2_line_config_add_line_settings_fn,
        requestConfigNew: @escaping hw_gpiod2_request_config_new_fn,
        requestConfigFree: @escaping hw_gpiod2_request_config_free_fn,
        requestConfigSetConsumer: @escaping hw_gpiod2_request_config_set_consumer_fn,
        requestConfigSetEventBufferSize: @escaping hw_gpiod2_request_config_set_event_buffer_size_fn,
        lineRequestRelease: @escaping hw_gpiod2_line_request_release_fn,
        lineRequestGetValue: @escaping hw_gpiod2_line_request_get_value_fn,
        lineRequestGetValuesSubset: @escaping hw_gpiod2_line_request_get_values_subset_fn,
        lineRequestSetValue: @escaping hw_gpiod2_line_request_set_value_fn,
        lineRequestWaitEdgeEvents: @escaping hw_gpiod2_line_request_wait_edge_events_fn,
        lineRequestReadEdgeEvents: @escaping hw_gpiod2_line_request_read_edge_events_fn,
        lineRequestGetFd: @escaping hw_gpiod2_line_request_get_fd_fn,
        poll: @escaping hw_poll_ns_fn,
        edgeEventBufferNew: @escaping hw_gpiod2_edge_event_buffer_new_fn,
        edgeEventBufferFree: @escaping hw_gpiod2_edge_event_buffer_free_fn,
        edgeEventBufferGetEvent: @escaping hw_gpiod2_edge_event_buffer_get_event_fn,
        edgeEventGetEventType: @escaping hw_gpiod2_edge_event_get_event_type_fn,
        edgeEventGetTimestampNs: @escaping hw_gpiod2_edge_event_get_timestamp_ns_fn,
        edgeEventGetLineOffset: @escaping hw_gpiod2_edge_event_get_line_offset_fn,
        edgeEventGetGlobalSeqno: @escaping hw_gpiod2_edge_event_get_global_seqno_fn,
        edgeEventGetLineSeqno: @escaping hw_gpiod2_edge_event_get_line_seqno_fn,
        chipPaths: @escaping @Sendable () -> [String],
        monotonicNs: @escaping @convention(c) (OpaquePointer?) -> Int64
    ) {
        self.chipOpen = chipOpen
        self.chipClose = chipClose
        self.chipGetInfo = chipGetInfo
        self.chipInfoFree = chipInfoFree
        self.chipInfoGetName = chipInfoGetName
        self.chipInfoGetLabel = chipInfoGetLabel
        self.chipInfoGetNumLines = chipInfoGetNumLines
        self.chipRequestLines = chipRequestLines
        self.isGpiochipDevice = isGpiochipDevice
        self.lineSettingsNew = lineSettingsNew
        self.lineSettingsFree = lineSettingsFree
        self.lineSettingsSetDirection = lineSettingsSetDirection
        self.lineSettingsSetEdgeDetection = lineSettingsSetEdgeDetection
        self.lineSettingsSetBias = lineSettingsSetBias
        self.lineSettingsSetActiveLow = lineSettingsSetActiveLow
        self.lineSettingsSetEventClock = lineSettingsSetEventClock
        self.lineSettingsSetOutputValue = lineSettingsSetOutputValue
        self.lineConfigNew = lineConfigNew
        self.lineConfigFree = lineConfigFree
        self.lineConfigAddLineSettings = lineConfigAddLineSettings
        self.requestConfigNew = requestConfigNew
        self.requestConfigFree = requestConfigFree
        self.requestConfigSetConsumer = requestConfigSetConsumer
        self.requestConfigSetEventBufferSize = requestConfigSetEventBufferSize
        self.lineRequestRelease = lineRequestRelease
        self.lineRequestGetValue = lineRequestGetValue
        self.lineRequestGetValuesSubset = lineRequestGetValuesSubset
        self.lineRequestSetValue = lineRequestSetValue
        self.lineRequestWaitEdgeEvents = lineRequestWaitEdgeEvents
        self.lineRequestReadEdgeEvents = lineRequestReadEdgeEvents
        self.lineRequestGetFd = lineRequestGetFd
        self.poll = poll
        self.edgeEventBufferNew = edgeEventBufferNew
        self.edgeEventBufferFree = edgeEventBufferFree
        self.edgeEventBufferGetEvent = edgeEventBufferGetEvent
        self.edgeEventGetEventType = edgeEventGetEventType
        self.edgeEventGetTimestampNs = edgeEventGetTimestampNs
        self.edgeEventGetLineOffset = edgeEventGetLineOffset
        self.edgeEventGetGlobalSeqno = edgeEventGetGlobalSeqno
        self.edgeEventGetLineSeqno = edgeEventGetLineSeqno
        self.chipPaths = chipPaths
        self.monotonicNs = monotonicNs
    }
}

extension GpiodV2Functions {
    /// The real libgpiod 2.x: every function looked up in `library` (libgpiod.so.3), /dev scanned for chips, the
    /// real CLOCK_MONOTONIC.
    static func load(from library: GpiodSharedLibrary) throws(GpioError) -> GpiodV2Functions {
        let isGpiochipDevice = try library.function(
            "gpiod_is_gpiochip_device", as: hw_gpiod2_is_gpiochip_device_fn.self)
        return GpiodV2Functions(
            chipOpen: try library.function("gpiod_chip_open", as: hw_gpiod2_chip_open_fn.self),
            chipClose: try library.function("gpiod_chip_close", as: hw_gpiod2_chip_close_fn.self),
            chipGetInfo: try library.function("gpiod_chip_get_info", as: hw_gpiod2_chip_get_info_fn.self),
            chipInfoFree: try library.function("gpiod_chip_info_free", as: hw_gpiod2_chip_info_free_fn.self),
            chipInfoGetName: try library.function("gpiod_chip_info_get_name", as: hw_gpiod2_chip_info_get_name_fn.self),
            chipInfoGetLabel: try library.function(
                "gpiod_chip_info_get_label", as: hw_gpiod2_chip_info_get_label_fn.self),
            chipInfoGetNumLines: try library.function(
                "gpiod_chip_info_get_num_lines", as: hw_gpiod2_chip_info_get_num_lines_fn.self),
            chipRequestLines: try library.function(
                "gpiod_chip_request_lines", as: hw_gpiod2_chip_request_lines_fn.self),
            isGpiochipDevice: isGpiochipDevice,
            lineSettingsNew: try library.function("gpiod_line_settings_new", as: hw_gpiod2_line_settings_new_fn.self),
            lineSettingsFree: try library.function(
                "gpiod_line_settings_free", as: hw_gpiod2_line_settings_free_fn.self),
            lineSettingsSetDirection: try library.function(
                "gpiod_line_settings_set_direction", as: hw_gpiod2_line_settings_set_direction_fn.self),
            lineSettingsSetEdgeDetection: try library.function(
                "gpiod_line_settings_set_edge_detection", as: hw_gpiod2_line_settings_set_edge_detection_fn.self),
            lineSettingsSetBias: try library.function(
                "gpiod_line_settings_set_bias", as: hw_gpiod2_line_settings_set_bias_fn.self),
            lineSettingsSetActiveLow: try library.function(
                "gpiod_line_settings_set_active_low", as: hw_gpiod2_line_settings_set_active_low_fn.self),
            lineSettingsSetEventClock: try library.function(
                "gpiod_line_settings_set_event_clock", as: hw_gpiod2_line_settings_set_event_clock_fn.self),
            lineSettingsSetOutputValue: try library.function(
                "gpiod_line_settings_set_output_value", as: hw_gpiod2_line_settings_set_output_value_fn.self),
            lineConfigNew: try library.function("gpiod_line_config_new", as: hw_gpiod2_line_config_new_fn.self),
            lineConfigFree: try library.function("gpiod_line_config_free", as: hw_gpiod2_line_config_free_fn.self),
            lineConfigAddLineSettings: try library.function(
                "gpiod_line_config_add_line_settings", as: hw_gpiod2_line_config_add_line_settings_fn.self),
            requestConfigNew: try library.function(
                "gpiod_request_config_new", as: hw_gpiod2_request_config_new_fn.self),
            requestConfigFree: try library.function(
                "gpiod_request_config_free", as: hw_gpiod2_request_config_free_fn.self),
            requestConfigSetConsumer: try library.function(
                "gpiod_request_config_set_consumer", as: hw_gpiod2_request_config_set_consumer_fn.self),
            requestConfigSetEventBufferSize: try library.function(
                "gpiod_request_config_set_event_buffer_size", as: hw_gpiod2_request_config_set_event_buffer_size_fn.self
            ),
            lineRequestRelease: try library.function(
                "gpiod_line_request_release", as: hw_gpiod2_line_request_release_fn.self),
            lineRequestGetValue: try library.function(
                "gpiod_line_request_get_value", as: hw_gpiod2_line_request_get_value_fn.self),
            lineRequestGetValuesSubset: try library.function(
                "gpiod_line_request_get_values_subset", as: hw_gpiod2_line_request_get_values_subset_fn.self),
            lineRequestSetValue: try library.function(
                "gpiod_line_request_set_value", as: hw_gpiod2_line_request_set_value_fn.self),
            lineRequestWaitEdgeEvents: try library.function(
                "gpiod_line_request_wait_edge_events", as: hw_gpiod2_line_request_wait_edge_events_fn.self),
            lineRequestReadEdgeEvents: try library.function(
                "gpiod_line_request_read_edge_events", as: hw_gpiod2_line_request_read_edge_events_fn.self),
            lineRequestGetFd: try library.function(
                "gpiod_line_request_get_fd", as: hw_gpiod2_line_request_get_fd_fn.self),
            poll: { fds, count, timeoutNs in hw_poll_ns(fds, count, timeoutNs) },
            edgeEventBufferNew: try library.function(
                "gpiod_edge_event_buffer_new", as: hw_gpiod2_edge_event_buffer_new_fn.self),
            edgeEventBufferFree: try library.function(
                "gpiod_edge_event_buffer_free", as: hw_gpiod2_edge_event_buffer_free_fn.self),
            edgeEventBufferGetEvent: try library.function(
                "gpiod_edge_event_buffer_get_event", as: hw_gpiod2_edge_event_buffer_get_event_fn.self),
            edgeEventGetEventType: try library.function(
                "gpiod_edge_event_get_event_type", as: hw_gpiod2_edge_event_get_event_type_fn.self),
            edgeEventGetTimestampNs: try library.function(
                "gpiod_edge_event_get_timestamp_ns", as: hw_gpiod2_edge_event_get_timestamp_ns_fn.self),
            edgeEventGetLineOffset: try library.function(
                "gpiod_edge_event_get_line_offset", as: hw_gpiod2_edge_event_get_line_offset_fn.self),
            edgeEventGetGlobalSeqno: try library.function(
                "gpiod_edge_event_get_global_seqno", as: hw_gpiod2_edge_event_get_global_seqno_fn.self),
            edgeEventGetLineSeqno: try library.function(
                "gpiod_edge_event_get_line_seqno", as: hw_gpiod2_edge_event_get_line_seqno_fn.self),
            chipPaths: { devicePaths(isGpiochipDevice) },
            monotonicNs: { _ in GpiodLibrary.monotonicNs() })
    }

    /// The real libgpiod 2.x of this machine (libgpiod.so.3, loaded once per process).
    ///
    /// - Throws: `GpioError` `.libraryMissing` when libgpiod.so.3 cannot be loaded.
    public static func system() throws(GpioError) -> GpiodV2Functions {
        try GpiodLibrary.load(.v2).v2Functions!
    }

    /// What libgpiod 2's `gpiotools_all_chip_paths` finds: entries of /dev that are not symbolic links and are GPIO
    /// chips, in version order (`versionsort`: gpiochip2 before gpiochip10).
    private static func devicePaths(_ isGpiochipDevice: hw_gpiod2_is_gpiochip_device_fn) -> [String] {
        guard let folder = opendir("/dev") else { return [] }
        defer { closedir(folder) }
        var paths: [String] = []
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name != ".", name != ".." else { continue }
            let path = "/dev/" + name
            var status = stat()
            guard lstat(path, &status) == 0, status.st_mode & S_IFMT != S_IFLNK, isGpiochipDevice(path) else {
                continue
            }
            paths.append(path)
        }
        return paths.sorted(by: versionOrder)
    }

    /// `versionsort` for chip paths: the same text before a trailing number, then that number (gpiochip2 before
    /// gpiochip10); anything else by its text.
    static func versionOrder(_ first: String, _ second: String) -> Bool {
        func split(_ path: String) -> (String, Int?) {
            let digits = path.reversed().prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let number = Int(String(digits.reversed())) else { return (path, nil) }
            return (String(path.dropLast(digits.count)), number)
        }
        let (firstStem, firstNumber) = split(first)
        let (secondStem, secondNumber) = split(second)
        if firstStem == secondStem, let firstNumber, let secondNumber, firstNumber != secondNumber {
            return firstNumber < secondNumber
        }
        return first < second
    }
}
