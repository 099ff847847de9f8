/// `sensor_fault` (warning): any of ADC reads failing for 1 s, the ADC stuck at one raw value for 60 s while
/// moving, more than 10 encoder errors in 1 s, a switch input changing more than 20 times in 1 s (chatter), an
/// encoder slip found when re-referencing, or (a real board) the GPIO reader reporting a lost, late or possibly
/// dropped edge in the last 10 s (`gpio_lost_edges`, docs/decisions.md). Cleared when no cause has been present
/// for 10 s.
public struct SensorFaultDetector: Sendable {
    private var machine = FaultMachine(confirmNs: 0, clearNs: 10_000_000_000)
    private let watchesAdc: Bool
    private let watchesEncoder: Bool

    /// A detector that watches the load cell and the encoder only where the calibration wires them.
    public init(calibration: Calibration) {
        watchesAdc = calibration.wiredAdc.contains(.load)
        watchesEncoder = calibration.isWired(.encA, .encB)
    }

    /// When this detector could next change with its inputs as they are (its machine's running timer), trace ns.
    var deadlineNs: Int64? { machine.deadlineNs }

    /// Evaluates this tick's signals (the engine calls it every 10 ms of trace time) and returns the transition that
    /// happens now, if any, with the data that explains it.
    public mutating func evaluate(_ signals: SignalChain) -> DetectorAction {
        var causes: [String] = []
        var chattering: [InputName] = []
        if watchesAdc && signals.adcFailing { causes.append("adc_failing") }
        if watchesAdc && signals.adcStuck { causes.append("adc_stuck") }
        if watchesEncoder && signals.encoderErrorsExcessive { causes.append("encoder_errors") }
        if watchesEncoder && signals.slipCorrectionM != nil { causes.append("encoder_slip") }
        chattering = signals.chatteringInputs
        if !chattering.isEmpty { causes.append("chatter") }
        if signals.inputLossRecent { causes.append("gpio_lost_edges") }
        return machine.action(raise: !causes.isEmpty, clear: causes.isEmpty, atNs: signals.nowNs) {
            var data = EventData()
            data.set("causes", .texts(causes))
            if !chattering.isEmpty { data.set("inputs", .texts(chattering.map(\.wireName))) }
            if watchesEncoder { data.set("encoder_errors_last_s", .integer(Int64(signals.encoderErrorsLastSecond))) }
            if let slip = signals.slipCorrectionM { data.set("slip_correction_m", slip, decimals: 3) }
            if let loss = signals.inputLoss {
                data.set("lost_edges", .integer(loss.lostEdges))
                data.set("overflows_suspected", .integer(loss.overflowsSuspected))
                data.set("late_edges", .integer(loss.lateEdges))
            }
            return data
        }
    }
}
