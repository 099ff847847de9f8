/// One thing a board input did, as the agent receives it: a digital edge or an ADC sample.
///
/// Kept to 16 bytes so the flight recorder can hold tens of thousands of them cheaply.
public struct InputEvent: Sendable, Hashable {
    /// Monotonic time of the event, nanoseconds (trace time, or the kernel's edge timestamp).
    public var tNs: Int64
    /// What changed.
    public var source: Source
    /// The new logical level (0/1) of a digital input, or the ADC raw value; `failedReadSentinel` for a failed read.
    public var value: Int32

    /// Where an input event comes from.
    public enum Source: Sendable, Hashable {
        case line(InputName)
        case adc(AdcChannel)
    }

    /// Encodes `raw: null` (a failed or timed-out ADC read). HX711 values are 24-bit, so this never collides.
    public static let failedReadSentinel = Int32.min

    /// A digital input changed to `level` (0 or 1, logical: active-low already applied).
    public static func level(_ input: InputName, _ level: UInt8, atNs tNs: Int64) -> InputEvent {
        InputEvent(tNs: tNs, source: .line(input), value: Int32(level))
    }

    /// One ADC sample; `nil` raw means the read failed.
    public static func sample(_ channel: AdcChannel, raw: Int32?, atNs tNs: Int64) -> InputEvent {
        InputEvent(tNs: tNs, source: .adc(channel), value: raw ?? failedReadSentinel)
    }

    /// The ADC raw value, or nil for a failed read (only meaningful for `.adc` sources).
    public var raw: Int32? { value == InputEvent.failedReadSentinel ? nil : value }

    /// An event at `tNs` from `source` with `value` as stored (`level` and `sample` say it in words).
    public init(tNs: Int64, source: Source, value: Int32) {
        self.tNs = tNs
        self.source = source
        self.value = value
    }
}
