import HoistWatchCore

extension DiagnosticsSnapshot {
    /// What the agent sees at `monoNs` / `wallNs`: the detection loop's `snapshot`, the outbox's `depth` and
    /// `dropped` counts (nil when they could not be read), the clocks and the agent's `identity`.
    public init(
        identity: StatusPayload.Identity, snapshot: AgentSnapshot, depth: OutboxDepth?,
        dropped: OutboxDropCounters?, monoNs: Int64, wallNs: Int64, timeSynced: Bool, uptimeS: Double
    ) {
        var oldestAgeS: Double?
        if let oldest = depth?.oldestMonoNs, depth?.oldestBootId == identity.bootId {
            oldestAgeS = Self.seconds(monoNs - oldest)
        }
        self.init(
            schema: Self.currentSchema, deviceId: identity.deviceId, version: identity.version,
            equipment: identity.equipment.rawValue, board: identity.board,
            uptimeS: FixedPoint.rounded(uptimeS, decimals: 1), monoNs: monoNs, time: WallTime.rfc3339(ns: wallNs),
            timeSynced: timeSynced,
            inputs: snapshot.inputs.map { InputReading(name: $0.name, level: $0.level, edges: $0.edges) },
            positionM: FixedPoint.rounded(snapshot.positionM, decimals: 3), referenced: snapshot.referenced,
            floor: snapshot.floor, speedMps: FixedPoint.rounded(snapshot.speedMps, decimals: 3),
            loadKg: snapshot.loadKg.map { FixedPoint.rounded($0, decimals: 1) },
            windMps: snapshot.windMps.map { FixedPoint.rounded($0, decimals: 1) },
            activeFaults: snapshot.active.map { fault in
                ActiveFault(
                    type: fault.type.rawValue, instance: fault.instance, severity: fault.severity.rawValue,
                    raisedId: fault.raisedId,
                    raisedForS: snapshot.activeSinceMonoNs[fault.raisedId].map { Self.seconds(monoNs - $0) })
            },
            counters: MaintenanceCounters(snapshot.counters),
            outbox: OutboxReading(
                count: depth?.count ?? -1, bytes: depth?.bytes ?? -1, oldestAgeS: oldestAgeS,
                unsaved: snapshot.unsaved, dropped: dropped?.total ?? 0),
            link: LinkReading(
                state: snapshot.link.state, lastError: snapshot.link.lastError,
                session: snapshot.link.session, acknowledged: snapshot.link.acknowledged,
                inFlight: snapshot.link.inFlight, broker: snapshot.link.broker, mqttVersion: snapshot.link.mqttVersion,
                setAside: snapshot.link.setAside),
            boardRuns: snapshot.boardRuns,
            gpio: snapshot.boardCounters.map(GpioReading.init),
            loadCell: snapshot.boardCounters?.loadCell.map(LoadCellReading.init),
            raw: RawReading(
                encoderCount: snapshot.encoderCount,
                loadRaw: snapshot.loadRaw.map { FixedPoint.rounded($0, decimals: 1) },
                doorZoneMarks: snapshot.doorZoneMarks.map {
                    NumberedDoorZoneMark(n: $0.n, level: $0.mark.level, encoderCount: $0.mark.encoderCount)
                }),
            lastSeq: snapshot.lastSeq,
            recentEvents: snapshot.recent.map { event in
                RecentEvent(
                    seq: event.seq, type: event.type, transition: event.transition, severity: event.severity,
                    time: WallTime.rfc3339(ns: event.wallNs), ageS: Self.seconds(wallNs - event.wallNs))
            })
        storage = StorageReading(health: snapshot.storage, space: snapshot.space)
    }

    /// A duration in seconds, to the millisecond (never negative: the clocks of the two ends may disagree a little).
    static func seconds(_ durationNs: Int64) -> Double {
        Double(max(0, durationNs) / 1_000_000) / 1000
    }
}

extension DiagnosticsSnapshot.MaintenanceCounters {
    /// `counters`, rounded: hours to 3 decimals, metres and kilograms to 1, speed to 3.
    public init(_ counters: Counters) {
        trips = counters.trips
        doorCycles = counters.doorCycles
        runningHours = FixedPoint.rounded(counters.runningHours, decimals: 3)
        travelledM = FixedPoint.rounded(counters.travelledM, decimals: 1)
        limitActuations = counters.limitActuations
        maxSpeedMps = FixedPoint.rounded(counters.maxSpeedMps, decimals: 3)
        maxLoadKg = FixedPoint.rounded(counters.maxLoadKg, decimals: 1)
    }
}

extension DiagnosticsSnapshot.GpioReading {
    /// The figures of `counters`.
    public init(_ counters: BoardInputCounters) {
        edges = counters.gpio.edges
        inputEvents = counters.gpio.inputEvents
        lostEdges = counters.gpio.lostEdges
        quadratureErrors = counters.gpio.quadratureErrors
        overflowsSuspected = counters.gpio.overflowsSuspected
        lateEdges = counters.gpio.lateEdges
        resyncs = counters.gpio.resyncs
        lateInputs = counters.lateInputs
    }
}

extension DiagnosticsSnapshot.LoadCellReading {
    /// The figures of `counters`.
    public init(_ counters: LoadCellCounters) {
        samples = counters.samples
        failedSamples = counters.failedSamples
        discardedReads = counters.discardedReads
        resets = counters.resets
    }
}
