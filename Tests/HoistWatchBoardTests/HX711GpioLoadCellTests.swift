import CGpiod
import HoistWatchBoard
import HoistWatchBoardTestKit
import HoistWatchCore
import HoistWatchSystem
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The bit-banged HX711 over the libgpiod wrapper (`[hx711] mode = "gpio"`): PD_SCK as an output, DOUT as an
/// input, on the fake libgpiod with an HX711 model behind the two lines. The fake's clock moves with every call
/// and clock read; waiting (`idle`) moves it 1 ms. Nothing sleeps.
struct HX711GpioLoadCellTests {
    /// A chip with the HX711 on DOUT 9 / PD_SCK 10, converting `value`.
    struct Rig {
        let label = FakeGpioBoard.uniqueLabel("pinctrl-bcm2711")
        let board: FakeGpioBoard
        let chip: FakeHX711

        init(value: @escaping @Sendable (Int64) -> Int32?) {
            board = FakeGpioBoard(
                chips: [.init(name: "gpiochip-" + label, label: label, lineCount: 58)],
                callCostNs: 1_000, clockReadCostNs: 100)
            chip = FakeHX711(chip: label, doutLine: 9, sckLine: 10, value: value)
            board.attach(chip)
        }

        func loadCell() throws(GpioError) -> HX711GpioLoadCell {
            let board = self.board
            return try HX711GpioLoadCell(
                chip: .label(label), doutLine: 9, sckLine: 10, source: board.source,
                idle: { board.advance(byNs: 1_000_000) })
        }
    }

    @Test func readsTheChipsConversionsAtItsRate() throws {
        let values: [Int32] = [84_000, -5, 8_388_606, -8_388_607, 0]
        let start = Locked(Int64(0))
        let rig = Rig { nowNs in
            let index = Int((nowNs - start.withLock { $0 }) / 100_000_000) - 1
            return values[max(0, min(values.count - 1, index))]
        }
        let startNs = rig.board.currentNs
        start.withLock { $0 = startNs }
        let loadCell = try rig.loadCell()
        var samples: [InputEvent] = []
        for _ in 0..<5 { samples.append(loadCell.sample()) }
        #expect(samples.map(\.raw) == rig.board.inspect { rig.chip.valuesRead.map(Optional.some) })
        #expect(Set(samples.compactMap(\.raw)) == Set(values))
        #expect(samples.allSatisfy { $0.source == .adc(.load) })
        // One conversion every 100 ms, stamped when DOUT went low (a poll every 1 ms finds it).
        for (earlier, later) in zip(samples, samples.dropFirst()) {
            #expect(later.tNs - earlier.tNs >= 100_000_000 && later.tNs - earlier.tNs < 103_000_000)
        }
        #expect(loadCell.counters.samples == 5 && loadCell.counters.failedSamples == 0)
        #expect(loadCell.counters.discardedReads == 0 && loadCell.counters.resets == 0)
        #expect(rig.board.inspect { rig.chip.conversionsRead } == 5)
        #expect(rig.board.inspect { rig.chip.powerDowns } == 0)
        let sck = try #require(rig.board.request(chip: rig.label, offset: 10))
        let dout = try #require(rig.board.request(chip: rig.label, offset: 9))
        #expect(sck.requestType == Int32(GPIOD_LINE_REQUEST_DIRECTION_OUTPUT) && sck.consumer == "hoistwatch")
        #expect(dout.requestType == Int32(GPIOD_LINE_REQUEST_DIRECTION_INPUT))
    }

    @Test func aChipThatStopsAnsweringGivesFailedSamplesThenIsResetAndReadAgain() throws {
        let answering = Locked(true)
        let rig = Rig { _ in answering.withLock { $0 } ? 1234 : nil }
        let loadCell = try rig.loadCell()
        #expect(loadCell.sample().raw == 1234)
        answering.withLock { $0 = false }
        let failed = loadCell.sample()
        #expect(failed.raw == nil)
        #expect(loadCell.takeFailureReason()?.contains("DOUT stayed high") == true)
        #expect(loadCell.counters.failedSamples == 1)
        answering.withLock { $0 = true }
        // The next read first resets the chip (PD_SCK high 10 ms: a power-down), then waits for it to settle.
        #expect(loadCell.sample().raw == 1234)
        #expect(loadCell.counters.resets == 1)
        #expect(rig.board.inspect { rig.chip.powerDowns } == 1)
    }

    @Test func aLineThatCannotBeWrittenFailsTheSampleAndSaysWhy() throws {
        let rig = Rig { _ in 77 }
        let loadCell = try rig.loadCell()
        #expect(loadCell.sample().raw == 77)
        rig.board.failNext("gpiod_line_set_value", errno: EIO)
        #expect(loadCell.sample().raw == nil)
        let reason = try #require(loadCell.takeFailureReason())
        #expect(reason.contains("gpiod_line_set_value failed") && reason.contains("hx711 PD_SCK"), "\(reason)")
        #expect(loadCell.counters.failedSamples == 1)
    }

    @Test func theLinesAreReleasedWithTheLoadCellAndABusyLineIsRefusedNamingIt() throws {
        let rig = Rig { _ in 1 }
        do {
            let loadCell = try rig.loadCell()
            _ = loadCell.sample()
            #expect(rig.board.requestedLines == 2)
        }
        #expect(rig.board.requestedLines == 0 && rig.board.openChips == 0)
        rig.board.failNext("gpiod_line_request_bulk", errno: EBUSY)
        #expect {
            _ = try rig.loadCell()
        } throws: { error in
            (error as? GpioError)?.code == .lineBusy && "\(error)".contains("line 10 (hx711 PD_SCK)")
        }
        #expect(rig.board.requestedLines == 0 && rig.board.openChips == 0)
    }
}
