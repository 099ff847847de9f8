import HoistWatchAgentTestSupport
import HoistWatchConfig
import HoistWatchCore
import HoistWatchFiles
import HoistWatchTestSupport
import Synchronization
import Testing

@testable import HoistWatchAgent

/// The status timer on a manual clock and scripted system clocks, against a real outbox on disk: nothing sleeps
/// to wait for its timers; the test moves time and waits for the service to be back at its next timer.
@Suite struct StatusServiceTests {
    /// The board's clocks as the test sets them: monotonic, wall, and whether NTP has synced.
    final class BoardClocks: Sendable {
        struct Now {
            var monoNs: Int64 = 5_000_000_000
            var wallNs: Int64 = 5_000_000_000
            var synced = false
        }
        let now = Mutex(Now())
        var statusClock: StatusClock {
            StatusClock(
                monotonicNs: { self.now.withLock { $0.monoNs } }, realtimeNs: { self.now.withLock { $0.wallNs } },
                isSynchronised: { self.now.withLock { $0.synced } })
        }
    }

    struct Rig {
        let clock = ManualClock()
        let board = BoardClocks()
        let outbox: Outbox
        let snapshot = SharedSnapshot()
        let service: StatusService<ManualClock>
        let directory: TestDirectory

        init(intervalS: Double) throws {
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
                logger: capturingLogger().0)
        }

        /// Moves the clock `seconds` one second at a time, each time until the service sleeps on its next turn.
        func advance(seconds: Int) async {
            for _ in 0..<seconds {
                _ = await eventually(within: 5) { clock.sleeperCount == 1 }
                clock.advance(by: .seconds(1))
            }
            _ = await eventually(within: 5) { clock.sleeperCount == 1 }
        }

        func statusEntries() throws -> Int {
            try outbox.pending(limit: 1_000).filter { $0.priority == .status }.count
        }
    }

    @Test func aPeriodicStatusEveryIntervalAndNotBefore() async throws {
        let rig = try Rig(intervalS: 5)
        let task = Task { try await rig.service.run() }
        defer { task.cancel() }
        await rig.advance(seconds: 4)
        #expect(try rig.statusEntries() == 0, "just below the interval")
        await rig.advance(seconds: 1)
        #expect(try rig.statusEntries() == 1, "at the interval")
        await rig.advance(seconds: 10)
        #expect(try rig.statusEntries() == 3)
        let status = try #require(try rig.outbox.pending(limit: 1).first)
        #expect(status.retained && status.topic == "hw/dev1/status")
    }

    @Test func aHistoryRowAtTheStartAndEveryMinute() async throws {
        let rig = try Rig(intervalS: 3_600)
        let task = Task { try await rig.service.run() }
        defer { task.cancel() }
        await rig.advance(seconds: 1)
        #expect(try rig.outbox.history(sinceWallNs: .min, kinds: [.status], limit: 10).count == 1)
        await rig.advance(seconds: 58)
        #expect(try rig.outbox.history(sinceWallNs: .min, kinds: [.status], limit: 10).count == 1)
        await rig.advance(seconds: 1)
        #expect(try rig.outbox.history(sinceWallNs: .min, kinds: [.status], limit: 10).count == 2)
    }

    @Test func bufferedTimesAreCorrectedOnceTheClockSyncs() async throws {
        let rig = try Rig(intervalS: 3_600)
        try rig.outbox.appendEvent { EntryFactory.event(.alarm, seq: $0, monoNs: 4_000_000_000, synced: false) }
        rig.snapshot.update { $0.uncorrectedTimes = true }
        let task = Task { try await rig.service.run() }
        defer { task.cancel() }
        await rig.advance(seconds: 2)
        #expect(try rig.outbox.pending(limit: 1).first?.timeSynced == false, "not synced yet: nothing corrected")
        // NTP syncs: the wall clock jumps to 2026 while the monotonic clock runs on.
        rig.board.now.withLock { $0 = .init(monoNs: 7_000_000_000, wallNs: 1_795_000_007_000_000_000, synced: true) }
        await rig.advance(seconds: 1)
        let corrected = try #require(try rig.outbox.pending(limit: 1).first)
        #expect(corrected.timeSynced)
        #expect(corrected.wallNs == 1_795_000_004_000_000_000, "monotonic 4 s on the synced wall clock")
        #expect(rig.snapshot.value.uncorrectedTimes == false)
    }
}
