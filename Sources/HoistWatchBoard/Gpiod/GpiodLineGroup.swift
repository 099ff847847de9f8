import CGpiod

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One `gpiod_line_request_bulk` of lines that share a chip, active-low and bias (libgpiod v1 applies one config
/// to a whole bulk): requested for both edges in `init`, released in `deinit`.
final class GpiodLineGroup {
    /// The chip stays open while its lines are requested.
    let chip: GpiodChip
    /// Positions of the group's lines in the request's `lines`, in bulk order.
    let indices: [Int]
    /// The line handles, in bulk order.
    let handles: [OpaquePointer]
    private let bulk: UnsafeMutablePointer<gpiod_line_bulk>
    private var values: [Int32]
    private let subject: String

    /// Requests `members` (all of `chip`, all with the same active-low and bias) for both edges.
    init(chip: GpiodChip, members: [(index: Int, spec: GpioLineSpec)], consumer: String) throws(GpioError) {
        precondition(!members.isEmpty && members.count <= Int(GPIOD_LINE_BULK_MAX_LINES), "bulk of 1 to 64 lines")
        let subject = members.map(\.spec.subject).joined(separator: ", ")
        var handles: [OpaquePointer] = []
        for member in members { handles.append(try chip.line(member.spec)) }

        var flags: Int32 = 0
        let first = members[0].spec.line
        if first.activeLow { flags |= Int32(GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW) }
        switch first.bias {
        case .pullUp: flags |= Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP)
        case .pullDown: flags |= Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN)
        case .disabled: flags |= Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE)
        case .asIs: break
        }
        // Requested before any stored property is set: a failure here leaves no half-made object for deinit.
        let bulk = try chip.requestBulk(
            handles, type: Int32(GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES), flags: flags,
            consumer: consumer, subject: subject)
        self.chip = chip
        self.indices = members.map(\.index)
        self.handles = handles
        self.bulk = bulk
        self.values = [Int32](repeating: 0, count: members.count)
        self.subject = subject
    }

    deinit {
        chip.functions.lineReleaseBulk(bulk)
        bulk.deallocate()
    }

    /// Writes each line's logical level (`gpiod_line_get_value_bulk`) at its position in `levels`.
    func readLevels(into levels: inout [UInt8]) throws(GpioError) {
        let rc = values.withUnsafeMutableBufferPointer { chip.functions.lineGetValueBulk(bulk, $0.baseAddress) }
        guard rc == 0 else { throw GpioError.fromErrno("gpiod_line_get_value_bulk", subject: subject) }
        for (position, index) in indices.enumerated() { levels[index] = values[position] != 0 ? 1 : 0 }
    }
}
