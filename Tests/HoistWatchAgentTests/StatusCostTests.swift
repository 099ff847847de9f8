import HoistWatchAgentTestSupport
import HoistWatchConfig
import HoistWatchFiles
import HoistWatchTestSupport
import Synchronization
import Testing

@testable import HoistWatchAgent
@testable import HoistWatchCore

/// Status that costs what it says (issue 16): sent when something in it changes and at a long interval, from
/// memory while the broker is connected, and the per-minute history written in batches. On the manual clock.
@Suite struct StatusCostTests {
    typealias Rig = StatusServiceTests.Rig

    /// What the publisher was given, and whether it takes it (connected) or not.
    final class Published: Sendable {
        let payloads = Mutex<[String]>([])
        let connected = Mutex(true)
        var kinds: [String] {
            payloads.withLock { $0 }.compactMap { jsonObject($0)?["kind"] as? String }
        }
    }

    static func fault(_ type: FaultType) -> DetectionEngine.ActiveFault {
        .init(type: type, instance: "", raisedId: "id-\(type.rawValue)", raisedAtNs: 0, severity: .alarm)
    }

    @Test func aChangeGoesOutAtOnceAndNothingElseUntilTheRefresh() async throws {
        let rig = try Rig(intervalS: 900, sendsOnChange: true, historyBatch: 1)
        let published = Published()
        rig.service.usePublisher { body in
            published.payloads.withLock { $0.append(String(decoding: body, as: UTF8.self)) }
            return published.connected.withLock { $0 }
        }
        let task = Task { try await rig.service.run() }
        defer { task.cancel() }
        await rig.advance(seconds: 30)
        #expect(published.kinds.isEmpty, "nothing changed")
        rig.snapshot.update { $0.active = [Self.fault(.overspeed)] }
        await rig.advance(seconds: 1)
        #expect(published.kinds == ["change"])
        // Trips 99: no step crossed; the fault clears 2 s later: it waits out the 5 s gap.
        rig.snapshot.update { $0.counters.trips = 99 }
        await rig.advance(seconds: 2)
        rig.snapshot.update { $0.active = [] }
        await rig.advance(seconds: 2)
        #expect(published.kinds == ["change"])
        await rig.advance(seconds: 1)
        #expect(published.kinds == ["change", "change"])
        rig.snapshot.update { $0.counters.trips = 100 }
        await rig.advance(seconds: 5)
        #expect(published.kinds == ["change", "change", "change"], "100 trips crossed a step")
        // Quiet again: the next status is the refresh, 900 s after the last one (at 41 s).
        await rig.advance(seconds: 899)
        #expect(published.kinds.count == 3)
        await rig.advance(seconds: 1)
        #expect(published.kinds == ["change", "change", "change", "periodic"])
        #expect(try rig.statusEntries() == 0, "a connected broker got them all from memory: no outbox write")
    }

    @Test func offlineTheStatusGoesIntoTheOutbox() async throws {
        let rig = try Rig(intervalS: 10, sendsOnChange: true, historyBatch: 1)
        let published = Published()
        published.connected.withLock { $0 = false }
        rig.service.usePublisher { body in
            published.payloads.withLock { $0.append(String(decoding: body, as: UTF8.self)) }
            return published.connected.withLock { $0 }
        }
        let task = Task { try await rig.service.run() }
        defer { task.cancel() }
        await rig.advance(seconds: 10)
        #expect(published.kinds == ["periodic"], "offered to the link first")
        #expect(try rig.statusEntries() == 1, "stored, as before, while the link is down")
    }

    @Test func historyRowsAreWrittenInBatchesAndTheRestAtTheEnd() async throws {
        let rig = try Rig(intervalS: 3_600, sendsOnChange: false, historyBatch: 3)
        let task = Task { try await rig.service.run() }
        func rows() throws -> Int { try rig.outbox.history(sinceWallNs: .min, kinds: [.status], limit: 10).count }
        await rig.advance(seconds: 1)
        #expect(try rows() == 0, "the first row waits for its batch")
        await rig.advance(seconds: 120)
        #expect(try rows() == 3, "rows at 0, 60 and 120 s in one transaction")
        await rig.advance(seconds: 60)
        #expect(try rows() == 3)
        task.cancel()
        _ = try? await task.value
        #expect(try rows() == 4, "the row still waiting is written when the service ends")
    }
}

extension StatusServiceTests.Rig {
    /// A rig whose service sends on change and writes history rows `historyBatch` at a time.
    init(intervalS: Double, sendsOnChange: Bool, historyBatch: Int) throws {
        directory = try TestDirectory()
        outbox = try Outbox(path: directory.file("outbox.db"))
        let calibration = try TextFile.calibration(Repository.path("Calibration/demo-elevator.toml"))
        let payload = StatusPayload(
            identity: .init(
                deviceId: calibration.deviceId, version: "test", calibration: calibration, calibrationSHA256: "x",
                board: "sim", bootId: "boot-a"))
        service = StatusService(
            intervalS: intervalS, statusTopic: "hw/dev1/status", payload: payload, outbox: outbox,
            snapshot: snapshot, bootId: "boot-a", startMonoNs: 0, clock: clock, systemClock: board.statusClock,
            sendsOnChange: sendsOnChange, historyBatch: historyBatch, logger: capturingLogger().0)
    }
}
