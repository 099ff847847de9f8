import HoistWatchCore

/// Runs a trace file through a `DetectionEngine` and writes the event payloads as JSON lines: `hoistwatch replay`
/// and the benchmark share it.
public struct TraceReplay {
    /// What a replay saw, for the caller's messages and the benchmark.
    public struct Summary: Sendable {
        /// Input events read from the trace (edges and ADC samples).
        public var inputEvents: Int = 0
        /// Fault events written to the output.
        public var events: Int = 0
        /// Alarms' flight records completed (written into the records folder when there is one).
        public var records: Int = 0
        /// The maintenance counters at the end of the trace.
        public var counters = Counters()
        /// Why the events may not be what the caller expects (the trace is another device's), for the caller to print;
        /// nil when none.
        public var warning: String?
    }

    let calibration: Calibration
    let calibrationPath: String
    let tracePath: String
    let recordsFolder: String?
    let skipsIdleTicks: Bool
    let seed: UInt64?

    /// A replay of the trace at `tracePath` with `calibration` (already loaded and checked by the caller from
    /// `calibrationPath`, which messages name), writing each alarm's flight record into `recordsFolder` when given.
    /// Between inputs it skips the ticks at which nothing can happen (`DetectionEngine.advanceSkippingIdleTicks`), so its time
    /// follows the trace's inputs and deadlines, not its length; `skipsIdleTicks: false` evaluates every 10 ms tick,
    /// for the checks that hold both to the same output, which also give a `seed` for the ids (at random when nil).
    public init(
        calibration: Calibration, calibrationPath: String, tracePath: String, recordsFolder: String? = nil,
        skipsIdleTicks: Bool = true, seed: UInt64? = nil
    ) {
        self.calibration = calibration
        self.calibrationPath = calibrationPath
        self.tracePath = tracePath
        self.recordsFolder = recordsFolder
        self.skipsIdleTicks = skipsIdleTicks
        self.seed = seed
    }

    /// Replays; errors are `InputError`s naming the file and line.
    public func run(output: BufferedFileWriter) throws(InputError) -> Summary {
        var engine: DetectionEngine?
        var summary = Summary()
        var events: [Event] = []
        var json = JSONText(reservingCapacity: 1 << 16)

        func drain(_ engine: inout DetectionEngine) throws(InputError) {
            guard !events.isEmpty || !engine.completedRecords.isEmpty else { return }
            for event in events {
                event.write(to: &json)
                json.bytes.append(0x0A)
            }
            summary.events += events.count
            events.removeAll(keepingCapacity: true)
            try output.write(json.bytes)
            json.bytes.removeAll(keepingCapacity: true)
            for record in engine.completedRecords {
                summary.records += 1
                if let recordsFolder {
                    let writer = try BufferedFileWriter(path: "\(recordsFolder)/\(record.eventId).hwtrace.jsonl")
                    try writer.write(record.encoded())
                    try writer.close()
                }
            }
            engine.completedRecords.removeAll()
        }

        try TraceFileReader(path: tracePath).read(
            onHeader: { (header) throws(InputError) in
                guard header.equipment == calibration.equipment else {
                    throw InputError(
                        .invalidValue, file: tracePath, line: 1, key: "equipment",
                        "the trace is of a \(header.equipment.rawValue) but \(calibrationPath) calibrates a \(calibration.equipment.rawValue)"
                    )
                }
                if header.deviceId != calibration.deviceId {
                    summary.warning =
                        "trace device_id \(header.deviceId) differs from the calibration's \(calibration.deviceId); events carry the calibration's"
                }
                var offset: Int64 = 0
                var synced = false
                if let start = header.startTime, let ns = RFC3339.parseNs(start) {
                    offset = ns
                    synced = true
                }
                let stamper: EventStamper =
                    if let seed {
                        .replay(deviceId: calibration.deviceId, wallOffsetNs: offset, timeSynced: synced, seed: seed)
                    } else {
                        .replay(deviceId: calibration.deviceId, wallOffsetNs: offset, timeSynced: synced)
                    }
                engine = DetectionEngine(calibration: calibration, header: header, stamper: stamper)
            },
            onEvent: { (event) throws(InputError) in
                summary.inputEvents += 1
                if skipsIdleTicks { engine!.advanceSkippingIdleTicks(beforeNs: event.tNs, into: &events) }
                engine!.process(event, into: &events)
                if events.count > 0 || !engine!.completedRecords.isEmpty { try drain(&engine!) }
            })
        guard var finished = engine else { return summary }
        finished.finish(into: &events)
        try drain(&finished)
        summary.counters = finished.counters
        try output.flush()
        return summary
    }
}
