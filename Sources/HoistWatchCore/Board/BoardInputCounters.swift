
/// A real board's reading counters, for the status payload and `hoistwatch diag`.
public struct BoardInputCounters: Sendable, Hashable {
    /// The GPIO reader's totals since it opened its lines.
    public var gpio = GpioInputCounters()
    /// Inputs that came after the detection loop had evaluated past their time (moved to its horizon).
    public var lateInputs: Int64 = 0
    /// The load-cell reader's totals; nil when no load cell is read.
    public var loadCell: LoadCellCounters?

    public init(gpio: GpioInputCounters = GpioInputCounters(), lateInputs: Int64 = 0,
                loadCell: LoadCellCounters? = nil) {
        self.gpio = gpio
        self.lateInputs = lateInputs
        self.loadCell = loadCell
    }

    /// `{"gpio":{...},"load_cell":{...}}` members for the status payload and the diag snapshot (no braces around).
    public func write(to json: inout JSONText) {
        json.raw("\"gpio\":{\"edges\":")
        json.int(gpio.edges)
        json.raw(",\"input_events\":")
        json.int(gpio.inputEvents)
        json.raw(",\"lost_edges\":")
        json.int(gpio.lostEdges)
        json.raw(",\"quadrature_errors\":")
        json.int(gpio.quadratureErrors)
        json.raw(",\"overflows_suspected\":")
        json.int(gpio.overflowsSuspected)
        json.raw(",\"late_edges\":")
        json.int(gpio.lateEdges)
        json.raw(",\"resyncs\":")
        json.int(gpio.resyncs)
        json.raw(",\"late_inputs\":")
        json.int(lateInputs)
        json.raw("}")
        if let loadCell {
            json.raw(",\"load_cell\":{\"samples\":")
            json.int(loadCell.samples)
            json.raw(",\"failed_samples\":")
            json.int(loadCell.failedSamples)
            if let discardedReads = loadCell.discardedReads {
                json.raw(",\"discarded_reads\":")
                json.int(discardedReads)
            }
            if let resets = loadCell.resets {
                json.raw(",\"resets\":")
                json.int(resets)
            }
            json.raw("}")
        }
    }
}
