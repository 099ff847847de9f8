import CGpiod
import CWake

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The libgpiod v1 functions HoistWatchBoard calls, as C function pointers: the one test seam for GPIO hardware,
/// at the C boundary (like swift-system's mocked syscalls). `system()` holds the real libgpiod 1.6 symbols, looked
/// up at run time in libgpiod.so.2 (`GpiodLibrary`); tests and the GPIO bench substitute a fake that serves scripted
/// chips, lines and kernel FIFOs through the same signatures (HoistWatchBoardTestKit). Only `GpiodChip`,
/// `GpiodLineGroup`, `GpiodV1LineSource` and `GpiodHX711Lines` call through it. The types are shim.h's typedefs,
/// which scripts/gpiod-abi-check.sh holds to the real v1 header. (`GpiodV2Functions` is the same for v2.)
///
/// `monotonicNs` is here too: it is the clock the kernel stamps v1 edge events with (CLOCK_MONOTONIC), and a fake
/// must keep its events and that clock on one time line. It takes the chip whose events are being timed, which
/// the real clock ignores and a fake uses to find its board.
public struct GpiodFunctions: @unchecked Sendable {
    // @unchecked Sendable: every field is a C function pointer, which captures nothing.

    /// `gpiod_chip_open_by_label`
    public var chipOpenByLabel: hw_gpiod1_chip_open_by_label_fn
    /// `gpiod_chip_open` (by path)
    public var chipOpen: hw_gpiod1_chip_open_fn
    /// `gpiod_chip_close`
    public var chipClose: hw_gpiod1_chip_close_fn
    /// `gpiod_chip_name`
    public var chipName: hw_gpiod1_chip_name_fn
    /// `gpiod_chip_label`
    public var chipLabel: hw_gpiod1_chip_label_fn
    /// `gpiod_chip_num_lines`
    public var chipNumLines: hw_gpiod1_chip_num_lines_fn
    /// `gpiod_chip_get_line`
    public var chipGetLine: hw_gpiod1_chip_get_line_fn
    /// `gpiod_line_request_bulk`
    public var lineRequestBulk: hw_gpiod1_line_request_bulk_fn
    /// `gpiod_line_release_bulk`
    public var lineReleaseBulk: hw_gpiod1_line_release_bulk_fn
    /// `gpiod_line_event_wait_bulk`
    public var lineEventWaitBulk: hw_gpiod1_line_event_wait_bulk_fn
    /// `gpiod_line_event_read_multiple`
    public var lineEventReadMultiple: hw_gpiod1_line_event_read_multiple_fn
    /// `gpiod_line_get_value_bulk`
    public var lineGetValueBulk: hw_gpiod1_line_get_value_bulk_fn
    /// `gpiod_line_event_get_fd`: the line's event descriptor, readable while its FIFO holds events
    public var lineEventGetFd: hw_gpiod1_line_event_get_fd_fn
    /// `ppoll(2)` on descriptors for at most a timeout in nanoseconds (negative: none): the reader's wait on the
    /// lines' event descriptors and its own wake-up (`hw_poll_ns`; a fake runs its clock in it).
    public var poll: hw_poll_ns_fn
    /// `gpiod_line_get_value` (one line: the HX711's DOUT)
    public var lineGetValue: hw_gpiod1_line_get_value_fn
    /// `gpiod_line_set_value` (one output line: the HX711's PD_SCK)
    public var lineSetValue: hw_gpiod1_line_set_value_fn
    /// `gpiod_chip_iter_new`
    public var chipIterNew: hw_gpiod1_chip_iter_new_fn
    /// `gpiod_chip_iter_next`
    public var chipIterNext: hw_gpiod1_chip_iter_next_fn
    /// `gpiod_chip_iter_free`
    public var chipIterFree: hw_gpiod1_chip_iter_free_fn
    /// `clock_gettime(CLOCK_MONOTONIC)` in nanoseconds; the argument is the chip whose edges are being timed.
    public var monotonicNs: @convention(c) (OpaquePointer?) -> Int64

    /// A table of the given functions (a fake's; production uses `system()`).
    public init(
        chipOpenByLabel: @escaping hw_gpiod1_chip_open_by_label_fn,
        chipOpen: @escaping hw_gpiod1_chip_open_fn,
        chipClose: @escaping hw_gpiod1_chip_close_fn,
        chipName: @escaping hw_gpiod1_chip_name_fn,
        chipLabel: @escaping hw_gpiod1_chip_label_fn,
        chipNumLines: @escaping hw_gpiod1_chip_num_lines_fn,
        chipGetLine: @escaping hw_gpiod1_chip_get_line_fn,
        lineRequestBulk: @escaping hw_gpiod1_line_request_bulk_fn,
        lineReleaseBulk: @escaping hw_gpiod1_line_release_bulk_fn,
        lineEventWaitBulk: @escaping hw_gpiod1_line_event_wait_bulk_fn,
        lineEventReadMultiple: @escaping hw_gpiod1_line_event_read_multiple_fn,
        lineGetValueBulk: @escaping hw_gpiod1_line_get_value_bulk_fn,
        lineEventGetFd: @escaping hw_gpiod1_line_event_get_fd_fn,
        poll: @escaping hw_poll_ns_fn,
        lineGetValue: @escaping hw_gpiod1_line_get_value_fn,
        lineSetValue: @escaping hw_gpiod1_line_set_value_fn,
        chipIterNew: @escaping hw_gpiod1_chip_iter_new_fn,
        chipIterNext: @escaping hw_gpiod1_chip_iter_next_fn,
        chipIterFree: @escaping hw_gpiod1_chip_iter_free_fn,
        monotonicNs: @escaping @convention(c) (OpaquePointer?) -> Int64
    ) {
        self.chipOpenByLabel = chipOpenByLabel
        self.chipOpen = chipOpen
        self.chipClose = chipClose
        self.chipName = chipName
        self.chipLabel = chipLabel
        self.chipNumLines = chipNumLines
        self.chipGetLine = chipGetLine
        self.lineRequestBulk = lineRequestBulk
        self.lineReleaseBulk = lineReleaseBulk
        self.lineEventWaitBulk = lineEventWaitBulk
        self.lineEventReadMultiple = lineEventReadMultiple
        self.lineGetValueBulk = lineGetValueBulk
        self.lineEventGetFd = lineEventGetFd
        self.poll = poll
        self.lineGetValue = lineGetValue
        self.lineSetValue = lineSetValue
        self.chipIterNew = chipIterNew
        self.chipIterNext = chipIterNext
        self.chipIterFree = chipIterFree
        self.monotonicNs = monotonicNs
    }
}

extension GpiodFunctions {
    /// The real libgpiod 1.x: every function looked up in `library` (libgpiod.so.2), and the real CLOCK_MONOTONIC.
    static func load(from library: GpiodSharedLibrary) throws(GpioError) -> GpiodFunctions {
        GpiodFunctions(
            chipOpenByLabel: try library.function("gpiod_chip_open_by_label", as: hw_gpiod1_chip_open_by_label_fn.self),
            chipOpen: try library.function("gpiod_chip_open", as: hw_gpiod1_chip_open_fn.self),
            chipClose: try library.function("gpiod_chip_close", as: hw_gpiod1_chip_close_fn.self),
            chipName: try library.function("gpiod_chip_name", as: hw_gpiod1_chip_name_fn.self),
            chipLabel: try library.function("gpiod_chip_label", as: hw_gpiod1_chip_label_fn.self),
            chipNumLines: try library.function("gpiod_chip_num_lines", as: hw_gpiod1_chip_num_lines_fn.self),
            chipGetLine: try library.function("gpiod_chip_get_line", as: hw_gpiod1_chip_get_line_fn.self),
            lineRequestBulk: try library.function("gpiod_line_request_bulk", as: hw_gpiod1_line_request_bulk_fn.self),
            lineReleaseBulk: try library.function("gpiod_line_release_bulk", as: hw_gpiod1_line_release_bulk_fn.self),
            lineEventWaitBulk: try library.function(
                "gpiod_line_event_wait_bulk", as: hw_gpiod1_line_event_wait_bulk_fn.self),
            lineEventReadMultiple: try library.function(
                "gpiod_line_event_read_multiple", as: hw_gpiod1_line_event_read_multiple_fn.self),
            lineGetValueBulk: try library.function(
                "gpiod_line_get_value_bulk", as: hw_gpiod1_line_get_value_bulk_fn.self),
            lineEventGetFd: try library.function("gpiod_line_event_get_fd", as: hw_gpiod1_line_event_get_fd_fn.self),
            poll: { fds, count, timeoutNs in hw_poll_ns(fds, count, timeoutNs) },
            lineGetValue: try library.function("gpiod_line_get_value", as: hw_gpiod1_line_get_value_fn.self),
            lineSetValue: try library.function("gpiod_line_set_value", as: hw_gpiod1_line_set_value_fn.self),
            chipIterNew: try library.function("gpiod_chip_iter_new", as: hw_gpiod1_chip_iter_new_fn.self),
            chipIterNext: try library.function("gpiod_chip_iter_next", as: hw_gpiod1_chip_iter_next_fn.self),
            chipIterFree: try library.function("gpiod_chip_iter_free", as: hw_gpiod1_chip_iter_free_fn.self),
            monotonicNs: { _ in GpiodLibrary.monotonicNs() })
    }

    /// The real libgpiod 1.x of this machine (libgpiod.so.2, loaded once per process).
    ///
    /// - Throws: `GpioError` `.libraryMissing` when libgpiod.so.2 cannot be loaded.
    public static func system() throws(GpioError) -> GpiodFunctions {
        try GpiodLibrary.load(.v1).v1Functions!
    }
}
