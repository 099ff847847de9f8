import HoistWatchBoard

/// A scripted HX711 behind an `HX711Port`, with its own clock: every port call costs time (as a libgpiod ioctl
/// does), and a script can stall a call (the reader thread preempted before its write reached the wire).
///
/// The chip follows the datasheet: DOUT low when a conversion is ready; each pulse seen (high at least 0.2 µs)
/// shifts out the next bit, MSB first; the 25th pulls DOUT high and the next conversion is ready one period later;
/// PD_SCK high over 60 µs powers it down, and it resets when PD_SCK falls (conversion lost, next one after the
/// settling time).
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
    /// Time between the end of one read and the next conversion being ready (10 SPS).
    var conversionPeriodNs: Int64 = 100_000_000
    /// Time from a reset to the first conversion (10 SPS).
    var settlingNs: Int64 = 400_000_000

    /// The conversions the chip will deliver, in order; when none are left it never becomes ready again.
    var conversions: [UInt32]
    /// Scripted stalls: (read number from 1, pulse number from 1, edge) -> extra nanoseconds before that edge.
    var stalls: [Key: Int64] = [:]
    /// Pulses (read number, pulse number) the chip does not see although their timing is right (noise).
    var missedPulses: Set<Key> = []

    struct Key: Hashable {
        var read: Int
        var pulse: Int
        var edge: Edge = .fall
    }

    private(set) var nowNs: Int64 = 0
    private(set) var powerDowns = 0
    /// Reads begun (first pulse of a ready conversion).
    private(set) var reads = 0
    /// Pulses the chip counted in each read, once the read ended (25th pulse or reset).
    private(set) var pulsesPerRead: [Int] = []
    /// Pulses sent while no conversion was ready or after a read was complete.
    private(set) var strayPulses = 0

    private var clockHigh = false
    private var roseAtNs: Int64 = 0
    private var readyAtNs: Int64
    private var current: UInt32?
    /// Pulses the chip counted in the read in progress (nil when no read is in progress).
    private var counted: Int?
    private var risesThisRead = 0

    init(conversions: [UInt32], firstReadyNs: Int64 = 5_000_000) {
        self.conversions = conversions
        readyAtNs = firstReadyNs
    }

    var port: HX711Port {
        HX711Port(setClock: { [self] in setClock($0) }, readData: { [self] in readData() }, nowNs: { [self] in now() })
    }

    /// The reader's idle (a short sleep on a board).
    func idle() { nowNs += idleNs }

    private func now() -> Int64 {
        nowNs += clockReadCostNs
        return nowNs
    }

    private var isReady: Bool { counted == nil && !conversions.isEmpty && nowNs >= readyAtNs }

    private func readData() -> Bool {
        if counted != nil, let stall = stalls[Key(read: reads, pulse: risesThisRead, edge: .sample)] { nowNs += stall }
        nowNs += readCostNs / 2
        let level = dout
        nowNs += readCostNs - readCostNs / 2
        return level
    }

    private var dout: Bool {
        if let counted, let current {
            if counted == 0 { return false }
            if counted >= 25 { return true }
            return current >> UInt32(24 - counted) & 1 == 1
        }
        return !isReady
    }

    private func setClock(_ high: Bool) {
        guard high != clockHigh else { return }
        let edge: Edge = high ? .rise : .fall
        if high {
            if counted == nil {
                if isReady {
                    reads += 1
                    counted = 0
                    current = conversions.removeFirst()
                    risesThisRead = 0
                }
            }
            if counted != nil { risesThisRead += 1 }
        }
        let key = Key(read: reads, pulse: risesThisRead, edge: edge)
        if counted != nil, let stall = stalls[key] { nowNs += stall }
        nowNs += writeCostNs / 2
        clockHigh = high
        if high {
            roseAtNs = nowNs
        } else {
            fell(highNs: nowNs - roseAtNs, key: key)
        }
        nowNs += writeCostNs - writeCostNs / 2
    }

    private func fell(highNs: Int64, key: Key) {
        if highNs > HX711Timing.powerDownAfterNs {
            powerDowns += 1
            if let counted { pulsesPerRead.append(counted) }
            counted = nil
            current = nil
            readyAtNs = nowNs + settlingNs
            return
        }
        guard let count = counted else {
            strayPulses += 1
            return
        }
        guard highNs >= HX711Timing.minClockHighNs, !missedPulses.contains(Key(read: key.read, pulse: key.pulse)) else {
            return
        }
        counted = count + 1
        if count + 1 == 25 {
            pulsesPerRead.append(25)
            counted = nil
            current = nil
            readyAtNs = nowNs + conversionPeriodNs
            // DOUT is high from here until the next conversion (isReady is false until readyAtNs).
        }
    }
}
