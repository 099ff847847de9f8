import CGpiod

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The libgpiod v1 functions HoistWatchBoard calls, as C function pointers: the one test seam for GPIO hardware,
/// at the C boundary (like swift-system's mocked syscalls). `system` holds the real libgpiod symbols; tests and
/// the GPIO bench substitute a fake that serves scripted chips, lines and kernel FIFOs through the same signatures
/// (HoistWatchBoardTestKit). Only `GpiodChip`, `GpiodLineGroup`, `GpiodV1LineSource` and `GpiodHX711Lines` call
/// through it.
///
/// `monotonicNs` is here too: it is the clock the kernel stamps v1 edge events with (CLOCK_MONOTONIC), and a fake
/// must keep its events and that clock on one time line. It takes the chip whose events are being timed, which
/// the real clock ignores and a fake uses to find its board.
public struct GpiodFunctions: @unchecked Sendable {
    // @unchecked Sendable: every field is a C function pointer, which captures nothing.

    /// `gpiod_chip_open_by_label`
    public var chipOpenByLabel: @convention(c) (UnsafePointer<CChar>?) -> OpaquePointer?
    /// `gpiod_chip_open` (by path)
    public var chipOpen: @convention(c) (UnsafePointer<CChar>?) -> OpaquePointer?
    /// `gpiod_chip_close`
    public var chipClose: @convention(c) (OpaquePointer?) -> Void
    /// `gpiod_chip_name`
    public var chipName: @convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?
    /// `gpiod_chip_label`
    public var chipLabel: @convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?
    /// `gpiod_chip_num_lines`
    public var chipNumLines: @convention(c) (OpaquePointer?) -> UInt32
    /// `gpiod_chip_get_line`
    public var chipGetLine: @convention(c) (OpaquePointer?, UInt32) -> OpaquePointer?
    /// `gpiod_line_request_bulk`
    public var lineRequestBulk: @convention(c) (
        UnsafeMutablePointer<gpiod_line_bulk>?, UnsafePointer<gpiod_line_request_config>?, UnsafePointer<Int32>?
    ) -> Int32
    /// `gpiod_line_release_bulk`
    public var lineReleaseBulk: @convention(c) (UnsafeMutablePointer<gpiod_line_bulk>?) -> Void
    /// `gpiod_line_event_wait_bulk`
    public var lineEventWaitBulk: @convention(c) (
        UnsafeMutablePointer<gpiod_line_bulk>?, UnsafePointer<timespec>?, UnsafeMutablePointer<gpiod_line_bulk>?
    ) -> Int32
    /// `gpiod_line_event_read_multiple`
    public var lineEventReadMultiple: @convention(c) (OpaquePointer?, UnsafeMutablePointer<gpiod_line_event>?, UInt32)
        -> Int32
    /// `gpiod_line_get_value_bulk`
    public var lineGetValueBulk: @convention(c) (UnsafeMutablePointer<gpiod_line_bulk>?, UnsafeMutablePointer<Int32>?)
        -> Int32
    /// `gpiod_line_get_value` (one line: the HX711's DOUT)
    public var lineGetValue: @convention(c) (OpaquePointer?) -> Int32
    /// `gpiod_line_set_value` (one output line: the HX711's PD_SCK)
    public var lineSetValue: @convention(c) (OpaquePointer?, Int32) -> Int32
    /// `gpiod_chip_iter_new`
    public var chipIterNew: @convention(c) () -> OpaquePointer?
    /// `gpiod_chip_iter_next`
    public var chipIterNext: @convention(c) (OpaquePointer?) -> OpaquePointer?
    /// `gpiod_chip_iter_free`
    public var chipIterFree: @convention(c) (OpaquePointer?) -> Void
    /// `clock_gettime(CLOCK_MONOTONIC)` in nanoseconds; the argument is the chip whose edges are being timed.
    public var monotonicNs: @convention(c) (OpaquePointer?) -> Int64

    /// A table of the given functions (a fake's; production uses `system`).
    public init(
        chipOpenByLabel: @escaping @convention(c) (UnsafePointer<CChar>?) -> OpaquePointer?,
        chipOpen: @escaping @convention(c) (UnsafePointer<CChar>?) -> OpaquePointer?,
        chipClose: @escaping @convention(c) (OpaquePointer?) -> Void,
        chipName: @escaping @convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?,
        chipLabel: @escaping @convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?,
        chipNumLines: @escaping @convention(c) (OpaquePointer?) -> UInt32,
        chipGetLine: @escaping @convention(c) (OpaquePointer?, UInt32) -> OpaquePointer?,
        lineRequestBulk: @escaping @convention(c) (
            UnsafeMutablePointer<gpiod_line_bulk>?, UnsafePointer<gpiod_line_request_config>?, UnsafePointer<Int32>?
        ) -> Int32,
        lineReleaseBulk: @escaping @convention(c) (UnsafeMutablePointer<gpiod_line_bulk>?) -> Void,
        lineEventWaitBulk: @escaping @convention(c) (
            UnsafeMutablePointer<gpiod_line_bulk>?, UnsafePointer<timespec>?, UnsafeMutablePointer<gpiod_line_bulk>?
        ) -> Int32,
        lineEventReadMultiple: @escaping @convention(c) (
            OpaquePointer?, UnsafeMutablePointer<gpiod_line_event>?, UInt32
        ) -> Int32,
        lineGetValueBulk: @escaping @convention(c) (
            UnsafeMutablePointer<gpiod_line_bulk>?, UnsafeMutablePointer<Int32>?
        ) -> Int32,
        lineGetValue: @escaping @convention(c) (OpaquePointer?) -> Int32,
        lineSetValue: @escaping @convention(c) (OpaquePointer?, Int32) -> Int32,
        chipIterNew: @escaping @convention(c) () -> OpaquePointer?,
        chipIterNext: @escaping @convention(c) (OpaquePointer?) -> OpaquePointer?,
        chipIterFree: @escaping @convention(c) (OpaquePointer?) -> Void,
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
        self.lineGetValue = lineGetValue
        self.lineSetValue = lineSetValue
        self.chipIterNew = chipIterNew
        self.chipIterNext = chipIterNext
        self.chipIterFree = chipIterFree
        self.monotonicNs = monotonicNs
    }
}

extension GpiodFunctions {
    /// The real libgpiod (the shared library the binary links) and the real CLOCK_MONOTONIC.
    public static let system = GpiodFunctions(
        chipOpenByLabel: { gpiod_chip_open_by_label($0) },
        chipOpen: { gpiod_chip_open($0) },
        chipClose: { gpiod_chip_close($0) },
        chipName: { gpiod_chip_name($0) },
        chipLabel: { gpiod_chip_label($0) },
        chipNumLines: { gpiod_chip_num_lines($0) },
        chipGetLine: { gpiod_chip_get_line($0, $1) },
        lineRequestBulk: { gpiod_line_request_bulk($0, $1, $2) },
        lineReleaseBulk: { gpiod_line_release_bulk($0) },
        lineEventWaitBulk: { gpiod_line_event_wait_bulk($0, $1, $2) },
        lineEventReadMultiple: { gpiod_line_event_read_multiple($0, $1, $2) },
        lineGetValueBulk: { gpiod_line_get_value_bulk($0, $1) },
        lineGetValue: { gpiod_line_get_value($0) },
        lineSetValue: { gpiod_line_set_value($0, $1) },
        chipIterNew: { gpiod_chip_iter_new() },
        chipIterNext: { gpiod_chip_iter_next($0) },
        chipIterFree: { gpiod_chip_iter_free($0) },
        monotonicNs: { _ in
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
        })
}
