/// An HX711 behind two lines of a `FakeGpioBoard` (`attach`): the datasheet model (`HX711Model`) with its DOUT
/// on one line and its PD_SCK on another. Time is the board's clock (the fake's virtual one, or the real one on a
/// paced board); the first conversion is ready one period after it is attached.
///
/// Its state is used under the board's lock only (the fake C functions call it); read it with `board.inspect`.
public final class FakeHX711: @unchecked Sendable {
    // @unchecked Sendable: mutable state is only touched under the owning FakeGpioBoard's lock.

    /// The label of the chip the two lines are on.
    public let chip: String
    /// The offset of DOUT (the chip's data output, an input line of the board).
    public let doutLine: UInt32
    /// The offset of PD_SCK (the clock the board drives, an output line).
    public let sckLine: UInt32
    /// The chip; its counters say what it was asked (conversions read, power-downs, values read).
    public private(set) var model: HX711Model

    /// A chip on `chip`'s lines `doutLine`/`sckLine`, converting `value` at each conversion's time (nil: it does
    /// not answer then); `periodNs` 100 ms is 10 SPS, `settlingNs` the settling time after a power-down.
    public init(chip: String, doutLine: UInt32, sckLine: UInt32, periodNs: Int64 = 100_000_000,
                settlingNs: Int64 = 400_000_000, value: @escaping @Sendable (Int64) -> Int32?) {
        self.chip = chip
        self.doutLine = doutLine
        self.sckLine = sckLine
        model = HX711Model(conversions: .values(value), firstReadyNs: .max, periodNs: periodNs,
                           settlingNs: settlingNs)
    }

    /// Conversions clocked out completely (25 pulses).
    public var conversionsRead: Int { model.conversionsRead }
    /// Times PD_SCK stayed high long enough to power the chip down.
    public var powerDowns: Int { model.powerDowns }
    /// The raw value of every conversion whose read began, in order.
    public var valuesRead: [Int32] { model.valuesRead }

    func attached(atNs nowNs: Int64) {
        model = HX711Model(conversions: model.conversions, firstReadyNs: nowNs + model.periodNs,
                           periodNs: model.periodNs, settlingNs: model.settlingNs)
    }

    /// DOUT's electrical level now.
    func dout(atNs nowNs: Int64) -> UInt8 { model.dout(atNs: nowNs) ? 1 : 0 }

    /// PD_SCK changed.
    func clock(high: Bool, atNs nowNs: Int64) { model.clock(high: high, atNs: nowNs) }
}
