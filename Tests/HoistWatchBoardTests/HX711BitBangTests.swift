import HoistWatchBoard
import HoistWatchCore
import Testing

/// The bit-banged read loop against the test kit's datasheet model of the chip (`HX711Model`: shift on pulse, 25th
/// pulse pulls DOUT high, power-down over 60 µs) behind a scripted port (`ScriptedHX711`): its own clock, costs per
/// call, stalls where the reader thread is preempted.
@Suite struct HX711BitBangTests {
    @Test func readsDatasheetCodesBitByBit() {
        let codes: [UInt32] = [0x01_E240, 0xFF_FFFF, 0x00_0001, 0x80_0000, 0x7F_FFFF, 0x80_0001]
        let chip = ScriptedHX711(conversions: codes)
        var driver = HX711BitBang()
        var reader = HX711Reader()
        let raws = codes.map { _ in driver.sample(chip.port, reader: &reader, idle: chip.idle).raw }
        #expect(raws == [123_456, -1, 1, nil, nil, -8_388_607])
        #expect(chip.pulsesPerRead == Array(repeating: 25, count: codes.count))
        #expect(chip.powerDowns == 0)
        #expect(chip.strayPulses == 0)
        #expect(reader.counters.saturated == 2)
        #expect(reader.counters.retries == 0)
    }

    @Test func theSampleIsStampedWhenDOUTWasSeenLow() {
        let chip = ScriptedHX711(conversions: [0x00_0010], firstReadyNs: 5_000_000)
        var driver = HX711BitBang()
        var reader = HX711Reader()
        let event = driver.sample(chip.port, reader: &reader, idle: chip.idle)
        // Polled every 1 ms (the idle), so seen low on the first poll at or after 5 ms.
        #expect(event.tNs >= 5_000_000 && event.tNs < 6_100_000)
        #expect(event.source == .adc(.load))
        #expect(event.raw == 16)
    }

    @Test func everyMeasuredPulseKeepsTheDatasheetLimits() {
        let chip = ScriptedHX711(conversions: [0x12_3456])
        let port = chip.port
        let readyAtNs = HX711BitBang.waitForReady(port, timeoutNs: 100_000_000, idle: chip.idle)!
        let read = HX711BitBang.clockOut(port, input: .channelAGain128, readyAtNs: readyAtNs)
        #expect(read.violation(for: .channelAGain128) == nil)
        #expect(read.frame?.bits == 0x12_3456)
        #expect(read.timing.readyToFirstClockNs >= HX711Timing.minReadyToClockNs)
        for pulse in read.timing.pulses {
            #expect(pulse.highMinNs >= 1_000)  // the spin reaches the target high time
            #expect(pulse.highMaxNs < 5_000)  // two 1.5 µs writes and a few clock reads
        }
    }

    /// The reader thread preempted while PD_SCK is high: by how long decides what the chip did.
    @Test(arguments: [
        // stall   retries   resets   chip power-downs   sample (the second conversion when the first was discarded)
        (Int64(20_000), 0, 0, 0, Int32(111)),  // 20 µs: still inside 50 µs, the read is good
        (Int64(52_000), 1, 0, 0, Int32(222)),  // 52 µs: out of spec, discarded, the chip kept going
        (Int64(80_000), 1, 1, 2, Int32(222)),  // 80 µs: powered down, read aborted, chip reset to be sure
    ])
    func preemptionWhileTheClockIsHigh(stallNs: Int64, retries: Int, resets: Int, chipPowerDowns: Int, raw: Int32) {
        let chip = ScriptedHX711(conversions: [111, 222])
        chip.stalls[.init(read: 1, pulse: 7, edge: .fall)] = stallNs
        var driver = HX711BitBang()
        var reader = HX711Reader(maxRetries: 3)
        let event = driver.sample(chip.port, reader: &reader, idle: chip.idle)
        #expect(event.raw == raw)
        #expect(reader.counters.retries == retries)
        #expect(reader.counters.powerDowns == (chipPowerDowns > 0 ? 1 : 0))
        #expect(driver.resets == resets)
        #expect(chip.powerDowns == chipPowerDowns)
        // An aborted read stops right after the pulse that powered the chip down: nothing stray reaches it.
        #expect(chip.pulsesPerRead == (resets == 1 ? [6, 25] : retries == 1 ? [25, 25] : [25]))
        #expect(chip.strayPulses == 0)
    }

    @Test func aStallInsideTheRisingWriteLooksLikeAPowerDownAndTheResetMakesItOne() {
        // The edge came after the stall, so the chip stayed awake with 8 of 25 pulses counted; the reader cannot
        // tell where in the interval the edge was. Were it to go on reading, its 25 pulses would finish the old
        // read and garble the new one: the reset puts the chip in a known state first.
        let chip = ScriptedHX711(conversions: [333, 444])
        chip.stalls[.init(read: 1, pulse: 9, edge: .rise)] = 5_000_000
        var driver = HX711BitBang()
        var reader = HX711Reader()
        #expect(driver.sample(chip.port, reader: &reader, idle: chip.idle).raw == 444)
        #expect(reader.counters.powerDowns == 1)
        #expect(driver.resets == 1)
        #expect(chip.pulsesPerRead == [9, 25])
    }

    @Test func aStallWhileTheClockIsLowDoesNoHarm() {
        let chip = ScriptedHX711(conversions: [333])
        chip.stalls[.init(read: 1, pulse: 9, edge: .sample)] = 5_000_000
        var driver = HX711BitBang()
        var reader = HX711Reader()
        #expect(driver.sample(chip.port, reader: &reader, idle: chip.idle).raw == 333)
        #expect(reader.counters.discardedReads == 0)
    }

    @Test func persistentPreemptionEndsInAFailedSampleAfterMaxRetries() {
        let chip = ScriptedHX711(conversions: [1, 2, 3, 4, 5])
        for read in 1...3 { chip.stalls[.init(read: read, pulse: 3, edge: .fall)] = 55_000 }
        var driver = HX711BitBang()
        var reader = HX711Reader(maxRetries: 2)
        let failed = driver.sample(chip.port, reader: &reader, idle: chip.idle)
        #expect(failed.raw == nil)
        #expect(failed.value == InputEvent.failedReadSentinel)
        #expect(reader.counters.discardedReads == 3)
        #expect(reader.counters.failedSamples == 1)
        // The chip was clocked through every discarded read, so the next sample reads the next conversion.
        #expect(driver.sample(chip.port, reader: &reader, idle: chip.idle).raw == 4)
    }

    @Test func aChipThatNeverAnswersGivesFailedSamplesAndIsResetBeforeTheNextTry() {
        let chip = ScriptedHX711(conversions: [])
        var driver = HX711BitBang()
        var reader = HX711Reader()
        let first = driver.sample(chip.port, reader: &reader, idle: chip.idle)
        #expect(first.raw == nil)
        #expect(first.tNs >= 150_000_000 && first.tNs < 152_000_000)  // the ready timeout
        #expect(driver.needsReset)
        chip.conversions = [444, 555]
        let second = driver.sample(chip.port, reader: &reader, idle: chip.idle)
        #expect(driver.resets == 1)
        #expect(chip.powerDowns == 1)  // the reset holds PD_SCK high 10 ms
        // The reset's rising edge met a ready conversion (444), which the power-down lost; 555 is the first
        // conversion after the 400 ms settling time.
        #expect(second.raw == 555)
        #expect(reader.counters.notReady == 1)
    }

    @Test func aPulseTheChipMissedIsCaughtByTheLowDOUTAfterTheDataAndTheChipIsReset() {
        // LSB 0: after our 25th pulse the chip has counted 24 and still shows its LSB, low.
        let chip = ScriptedHX711(conversions: [0x00_0100, 0x00_0200, 0x00_0300])
        chip.missedPulses = [.init(read: 1, pulse: 12)]
        var driver = HX711BitBang()
        var reader = HX711Reader(maxRetries: 3)
        let event = driver.sample(chip.port, reader: &reader, idle: chip.idle)
        #expect(reader.counters.discardedReads == 1)
        #expect(driver.resets == 1)
        // The reset lost the half-read conversion; the first one after settling is good.
        #expect(event.raw == 0x200)
        #expect(chip.pulsesPerRead == [24, 25])
    }

    @Test func aPulseTooShortForTheChipIsDiscardedAndTheChipReset() {
        // A target below T3 on a port whose writes are nearly free: every pulse is under 0.2 µs and the chip sees
        // none. Each read is discarded and the chip reset before the next.
        let chip = ScriptedHX711(conversions: [0x00_0F00, 0x00_0F01])
        chip.writeCostNs = 20
        var driver = HX711BitBang(targetHighNs: 100)  // a misconfigured target below T3
        var reader = HX711Reader(maxRetries: 1)
        let event = driver.sample(chip.port, reader: &reader, idle: chip.idle)
        #expect(event.raw == nil)
        #expect(reader.counters.discardedReads == 2)
        #expect(driver.resets == 1)
        #expect(driver.needsReset)  // the next sample starts with a reset
    }
}
