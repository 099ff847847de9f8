
/// A real board's reading counters, for the status payload and `hoistwatch diag`.
public struct BoardInputCounters: Sendable, Hashable {
    /// The GPIO reader's totals since it opened its lines.
    public var gpio = GpioInputCounters()
    /// Inputs that came after the detection loop had evaluated past their time (moved to its horizon).
    public var lateInputs: Int64 = 0
    /// The load-cell reader's totals; nil when no load cell is read.
    public var loadCell: LoadCellCounters?

    /// The counters as the board merged them; the defaults are a board that has read nothing and has no load cell.
    public init(gpio: GpioInputCounters = GpioInputCounters(), lateInputs: Int64 = 0,
                loadCell: LoadCellCounters? = nil) {
        self.gpio = gpio
        self.lateInputs = lateInputs
        self.loadCell = loadCell
    }
}
