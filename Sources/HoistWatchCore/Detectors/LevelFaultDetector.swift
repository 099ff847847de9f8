/// Faults that are one input held at a level: `power_failure` (`mains_ok` = 0 for 2 s, cleared at 1 for 5 s)
/// and `alarm_button` (= 1 for 1 s, released for 5 s).
public struct LevelFaultDetector: Sendable {
    /// The fault this instance watches: `power_failure` or `alarm_button`.
    public let type: FaultType
    private let input: InputName
    private let faultLevel: UInt8
    private var machine: FaultMachine

    /// `power_failure`.
    public static func powerFailure() -> LevelFaultDetector {
        LevelFaultDetector(type: .powerFailure, input: .mainsOk, faultLevel: 0, confirmS: 2, clearS: 5)
    }

    /// `alarm_button`.
    public static func alarmButton() -> LevelFaultDetector {
        LevelFaultDetector(type: .alarmButton, input: .alarmButton, faultLevel: 1, confirmS: 1, clearS: 5)
    }

    private init(type: FaultType, input: InputName, faultLevel: UInt8, confirmS: Double, clearS: Double) {
        self.type = type
        self.input = input
        self.faultLevel = faultLevel
        machine = FaultMachine(confirmS: confirmS, clearS: clearS)
    }

    /// When this detector could next change with its inputs as they are (its machine's running timer), trace ns.
    var deadlineNs: Int64? { machine.deadlineNs }

    /// `suppressed` holds off raising (inspection mode for `alarm_button`).
    public mutating func evaluate(_ signals: SignalChain, suppressed: Bool = false) -> DetectorAction {
        let atFault = signals.level(input) == faultLevel
        return machine.action(raise: atFault && !suppressed, clear: !atFault, atNs: signals.nowNs) {
            var data = EventData()
            data.set(input.wireName, .integer(Int64(signals.level(input))))
            if signals.calibration.isWired(.encA) { signals.addPosition(to: &data) }
            return data
        }
    }
}
