/// Load in kg through calibration and a median filter, with failed and stuck read tracking (faults.md).
public struct LoadFilter: Sendable {
    private let rawZero: Double
    private let rawPerKg: Double
    private var window: [Double]
    private var next = 0
    private var stored = 0
    /// The filtered load, nil until the first good sample.
    public private(set) var loadKg: Double?
    /// When the current run of failed reads began, nil when the last read succeeded.
    public private(set) var failingSinceNs: Int64?
    /// Since when the raw value has been exactly the same, and the value.
    public private(set) var sameRawSinceNs: Int64 = 0
    private var lastRaw: Int32?

    /// A filter for the calibration's `raw_zero` and `raw_per_kg`, taking the median of the last `medianSamples`
    /// samples.
    public init(rawZero: Double, rawPerKg: Double, medianSamples: Int) {
        self.rawZero = rawZero
        self.rawPerKg = rawPerKg
        window = Array(repeating: 0, count: max(1, medianSamples))
    }

    /// One HX711 sample; nil raw is a failed read.
    public mutating func sample(raw: Int32?, atNs tNs: Int64) {
        guard let raw else {
            if failingSinceNs == nil { failingSinceNs = tNs }
            return
        }
        failingSinceNs = nil
        if raw != lastRaw {
            lastRaw = raw
            sameRawSinceNs = tNs
        }
        window[next] = (Double(raw) - rawZero) / rawPerKg
        next = (next + 1) % window.count
        if stored < window.count { stored += 1 }
        var sorted = Array(window[0..<stored])
        sorted.sort()
        loadKg = stored % 2 == 1 ? sorted[stored / 2] : (sorted[stored / 2 - 1] + sorted[stored / 2]) / 2
    }

    /// Whether at least one good raw value has been seen (so "stuck" is meaningful).
    public var hasRaw: Bool { lastRaw != nil }
}
