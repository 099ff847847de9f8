import HoistWatchBoard
import HoistWatchBoardTestKit

/// The test kit's HX711 (`HX711Model`) behind an `HX711Port`, with a clock of its own: every port call costs time
/// (as a libgpiod ioctl does), and a script can stall a call (the reader thread preempted before its write reached
/// the wire). What the chip does is the model's; this only says when each edge reaches it.
final class ScriptedHX711 {
    /// Where a stall happens: inside the write of the rising or falling edge (before the level reaches the wire),
    /// or inside the DOUT read after the falling edge.
    enum Edge { case rise, fall, sample }

    /// Time taken by one read of the clock.
    var clockReadCostNs: Int64 = 40
    /// Time taken by one PD_SCK write; the edge happens halfway through.
    var writeCostNs: Int64 = 1_500
    /// Time taken by one DOUT read; the level is sampled halfway through.
    var readCostNs: Int64 = 1_000
    /// What one `idle()` of the reader costs (a 1 ms sleep).
    var idleNs: Int64 = 1_000_000

    /// Scripted stalls: (read number from 1, pulse number from 1, edge) -> extra nanoseconds before that edge.
    var stalls: [Key: Int64] = [:]

    struct Key: Hashable {
        var read: Int
        var pulse: Int
        var edge: Edge = .fall
    }

    private(set) var nowNs: Int64 = 0
    private var chip: HX711Model
    private var clockHigh = false

    /// A chip that delivers `conversions` (24-bit codes) in order, the first one ready at `firstReadyNs`, at 10 SPS.
    init(conversions: [UInt32], firstReadyNs: Int64 = 5_000_000) {
        chip = HX711Model(conversions: .script(conversions), firstReadyNs: firstReadyNs)
    }

    /// The conversions still to come; when none are left the chip never becomes ready again.
    var conversions: [UInt32] {
        get {
            guard case .script(let codes) = chip.conversions else { return [] }
            return codes
        }
        set { chip.conversions = .script(newValue) }
    }

    /// Pulses the chip does not see although their timing is right (noise).
    var missedPulses: Set<HX711Model.Pulse> {
        get { chip.missedPulses }
        set { chip.missedPulses = newValue }
    }

    var powerDowns: Int { chip.powerDowns }
    /// Pulses the chip counted in each read, once the read ended (25th pulse or reset).
    var pulsesPerRead: [Int] { chip.pulsesPerRead }
    /// Pulses sent while no conversion was ready or after a read was complete.
    var strayPulses: Int { chip.strayPulses }

    var port: HX711Port {
        HX711Port(setClock: { [self] in setClock($0) }, readData: { [self] in readData() }, nowNs: { [self] in now() })
    }

    /// The reader's idle (a short sleep on a board).
    func idle() { nowNs += idleNs }

    /// The reader's rest before a conversion is due (a sleep of `ns` on a board).
    func advance(byNs ns: Int64) { nowNs += ns }

    private func now() -> Int64 {
        nowNs += clockReadCostNs
        return nowNs
    }

    private func readData() -> Bool {
        if chip.isReading, let stall = stalls[Key(read: chip.reads, pulse: chip.risesThisRead, edge: .sample)] {
            nowNs += stall
        }
        nowNs += readCostNs / 2
        let level = chip.dout(atNs: nowNs)
        nowNs += readCostNs - readCostNs / 2
        return level
    }

    private func setClock(_ high: Bool) {
        guard high != clockHigh else { return }
        clockHigh = high
        // The pulse this edge belongs to, as the chip will number it: a rising edge that meets a ready conversion
        // begins read `reads + 1`. Only edges of a read in progress are stalled.
        let pulse: HX711Model.Pulse?
        if high {
            if chip.isReading {
                pulse = .init(read: chip.reads, pulse: chip.risesThisRead + 1)
            } else {
                pulse = chip.isReady(atNs: nowNs) ? .init(read: chip.reads + 1, pulse: 1) : nil
            }
        } else {
            pulse = chip.isReading ? .init(read: chip.reads, pulse: chip.risesThisRead) : nil
        }
        if let pulse, let stall = stalls[Key(read: pulse.read, pulse: pulse.pulse, edge: high ? .rise : .fall)] {
            nowNs += stall
        }
        nowNs += writeCostNs / 2
        chip.clock(high: high, atNs: nowNs)
        nowNs += writeCostNs - writeCostNs / 2
    }
}
