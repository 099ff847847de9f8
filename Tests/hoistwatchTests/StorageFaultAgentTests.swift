import Foundation
import HoistWatchAgentTestSupport
import HoistWatchCore
import HoistWatchSystem
import HoistWatchTestSupport
import Testing

@testable import HoistWatchAgent

/// `hoistwatch run` on the simulated elevator (the demo scenario looped fast) with its state folder on a real small
/// file system, against a real Mosquitto: what a platform subscriber sees when the SD card fills up, turns
/// read-only, returns altered bytes, or holds an unusable database at start (issue 14). Needs root to mount.
///
/// The issue asks for 10 minutes of alarms on a full card; here the card stays full for about 15 s (3 scenario
/// loops at 20 x), long enough for several alarms and flight records. `make soak-storage` runs the same test with
/// the card full for `HOISTWATCH_FULL_CARD_S` seconds (600): README "Reliability" gives its figures.
@Suite(.serialized, .enabled(if: SmallFileSystem.isAvailable, "needs root to mount a tmpfs and loop devices"))
struct StorageFaultAgentTests {
    static let topics = "\(AgentProcess.prefix)/\(AgentProcess.deviceId)"
    /// The RSS the README documents for an agent whose card is full (memory held capped at 8 MiB).
    static let rssCapBytes: Int64 = 64 << 20

    static func events(_ subscriber: TestSubscriber) -> [(payload: [String: Any], receivedNs: Int64)] {
        subscriber.messages(on: "/event").compactMap { message in
            jsonObject(message.payload).map { ($0, message.receivedWallNs) }
        }
    }

    static func storageFaults(_ subscriber: TestSubscriber, _ transition: String, cause: String) -> [[String: Any]] {
        events(subscriber).map(\.payload).filter { event in
            event["type"] as? String == "storage_fault" && event["transition"] as? String == transition
                && (event["data"] as? [String: Any])?["cause"] as? String == cause
        }
    }

    static func statuses(_ subscriber: TestSubscriber) -> [[String: Any]] {
        subscriber.messages(on: "/status").compactMap { jsonObject($0.payload) }
    }

    /// A broker, a subscriber to everything of the device, and a running agent (the demo looped at 20 x, status
    /// every second, caps of 8 MiB) whose state folder is on a new small file system.
    struct Rig {
        let fs: SmallFileSystem
        let broker: MosquittoBroker
        let subscriber: TestSubscriber
        let agent: AgentProcess
    }

    static func agentOnSmallCard(sizeMiB: Int, kind: SmallFileSystem.Kind = .tmpfs) async throws -> Rig {
        let fs = try SmallFileSystem(sizeMiB: sizeMiB, kind: kind)
        let (broker, subscriber, agent) = try await agent(stateDirectory: "\(fs.path)/state")
        return Rig(fs: fs, broker: broker, subscriber: subscriber, agent: agent)
    }

    /// The broker, the subscriber and the running agent of a `Rig`, its state folder at `stateDirectory`.
    static func agent(
        stateDirectory: String
    ) async throws -> (broker: MosquittoBroker, subscriber: TestSubscriber, agent: AgentProcess) {
        let broker = try MosquittoBroker()
        try await broker.start()
        let subscriber = try await TestSubscriber(port: broker.port, pattern: "\(topics)/#")
        let agent = try AgentProcess(
            port: broker.port, scenario: "Scenarios/demo.toml", loop: true, timeScale: 20, statusIntervalS: 1,
            outboxCapMiB: 8, stateDirectory: stateDirectory, historyCapMiB: 8)
        try agent.start()
        return (broker, subscriber, agent)
    }

    /// The last status says every entry is stored and the outbox has (nearly) drained.
    static func drained(_ subscriber: TestSubscriber) -> Bool {
        Self.statuses(subscriber).last.map { status in
            let outbox = status["outbox"] as? [String: Any]
            let storage = status["storage"] as? [String: Any]
            return outbox?["unsaved"] as? Int == 0 && storage?["durable"] as? Bool == true
                && (outbox?["count"] as? Int ?? 99) <= 2
        } ?? false
    }

    /// Whether a status said the card is failing with `cause` and events are not durable.
    static func aStatusSaysFailing(_ subscriber: TestSubscriber, cause: String) -> Bool {
        statuses(subscriber).contains { status in
            let storage = status["storage"] as? [String: Any]
            return storage?["durable"] as? Bool == false && storage?["failing"] as? String == cause
        }
    }

    /// Whether an alarm raised after `afterNs` (wall) arrived from memory (`"durable": false`) within 1 s (scaled
    /// under emulation) of its raise, numbered above `seqAbove`.
    static func alarmFromMemory(_ subscriber: TestSubscriber, afterNs: Int64, seqAbove: Int = 0) -> Bool {
        events(subscriber).contains { event in
            let raisedNs = RFC3339.parseNs(event.payload["time"] as? String ?? "") ?? 0
            return event.payload["severity"] as? String == "alarm" && event.payload["durable"] as? Bool == false
                && raisedNs > afterNs && (event.payload["seq"] as? Int ?? 0) > seqAbove
                && event.receivedNs - raisedNs < Int64(WallClockScale.seconds(1) * 1e9)
        }
    }

    /// Raise (board time) to first arrival of each alarm raised between the two wall times, ns.
    static func alarmLatencies(_ subscriber: TestSubscriber, from: Int64, to: Int64) -> [Int64] {
        var first: [String: Int64] = [:]
        for event in events(subscriber) where event.payload["severity"] as? String == "alarm" {
            let raisedNs = RFC3339.parseNs(event.payload["time"] as? String ?? "") ?? 0
            guard raisedNs > from, raisedNs < to, let id = event.payload["id"] as? String else { continue }
            first[id] = min(first[id] ?? .max, event.receivedNs - raisedNs)
        }
        return Array(first.values)
    }

    static func median(_ values: [Int64]) -> Int64 { values.sorted().dropFirst(values.count / 2).first ?? .max }

    static func rssBytes(_ pid: pid_t?) -> Int64 {
        guard let pid, let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        return (Int64(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
    }

    /// The seqs up to the stopped agent's last one that the subscriber never got, beside the drops its last status
    /// counted. An entry still waiting in the outbox at the stop is sent after the next start, so not missing; one
    /// acknowledged just before the stop may still be on its way from the broker to the subscriber: 5 s for it.
    static func missingSeqs(
        _ subscriber: TestSubscriber, stoppedOutbox path: String
    ) async throws -> (missing: Set<Int>, dropped: Int) {
        let stopped = try Outbox(path: path, reserveBytes: 0)
        let lastSeq = Int(try stopped.lastSeq())
        let waiting = Set(try stopped.pending(limit: 100_000).compactMap { $0.seq.map(Int.init) })
        let periodic = Self.statuses(subscriber).last { $0["dropped"] != nil }
        let dropped = (periodic?["dropped"] as? [String: Int])?.values.reduce(0, +) ?? 0
        func missing() -> Set<Int> {
            let seqs = Set(Self.events(subscriber).compactMap { $0.payload["seq"] as? Int })
            return Set(1...max(lastSeq, 1)).subtracting(seqs).subtracting(waiting)
        }
        _ = await eventually(within: 5) { missing().count <= dropped }
        return (missing(), dropped)
    }

    /// Full card, broker up: every alarm raised while full arrives within 1 s of its raise, marked not durable; RSS
    /// stays under the cap; `storage_fault` (`full`) is raised; once space is back it clears, everything arrives
    /// (every seq) and the outbox drains.
    @Test func aFullCardStillDeliversAlarmsAndRecoversByItself() async throws {
        let rig = try await Self.agentOnSmallCard(sizeMiB: 48)
        let (fs, subscriber, agent) = (rig.fs, rig.subscriber, rig.agent)
        // A baseline first: how late alarms arrive with a healthy card on this machine now.
        #expect(await eventually(within: 40) { Self.alarmLatencies(subscriber, from: 0, to: .max).count >= 2 })
        let baseline = Self.median(Self.alarmLatencies(subscriber, from: 0, to: .max))

        let filledNs = SystemClock.realtimeNs()
        fs.fill()
        let raised = await eventually(within: 30) { !Self.storageFaults(subscriber, "raised", cause: "full").isEmpty }
        #expect(raised, "storage_fault full raised: \(agent.log.suffix(3000))")
        var peakRss: Int64 = 0
        // Long enough for several alarms of the plant (whose pace is slowed under emulation: scaled).
        let fullSeconds = Double(ProcessInfo.processInfo.environment["HOISTWATCH_FULL_CARD_S"] ?? "") ?? 15
        let fullUntil = ContinuousClock.now + .seconds(WallClockScale.seconds(fullSeconds))
        while ContinuousClock.now < fullUntil {
            // Kept full: what the outbox frees inside its files is its own, but space freed on the file system
            // (the released reserve, a shrunk WAL) is taken again, as by another program writing to the card.
            fs.fill()
            peakRss = max(peakRss, Self.rssBytes(agent.processID))
            try await Task.sleep(for: .milliseconds(200))
        }
        let freedNs = SystemClock.realtimeNs()
        fs.freeFillers()
        print("full card: \(fullSeconds) s full, peak RSS \(peakRss / 1024) KiB (cap \(Self.rssCapBytes / 1024) KiB)")

        // Alarms raised while the card was full: each arrived within 1 s of its raise; those the outbox could not
        // store came from memory, marked `"durable": false`.
        let whileFull = Self.events(subscriber).filter { event in
            let wallNs = RFC3339.parseNs(event.payload["time"] as? String ?? "") ?? 0
            return event.payload["severity"] as? String == "alarm" && wallNs > filledNs && wallNs < freedNs
        }
        #expect(whileFull.count >= 2, "alarms raised while full: \(whileFull.map(\.payload))")
        var firstArrival: [String: Int64] = [:]
        for event in whileFull {
            let id = event.payload["id"] as? String ?? ""
            firstArrival[id] = min(firstArrival[id] ?? .max, event.receivedNs)
        }
        // Raise (board time) to first arrival. The 1 s target is the storage path's: the full card may add at most
        // 1 s to the median of the healthy card's alarms just before. Not an absolute 1 s: on a loaded machine (load
        // average 15-20 on 2 cores, as measured) the debug build's detection loop itself falls seconds behind the
        // plant, with a healthy card as much as a full one (README, "Reliability"; issue 16). Each within 5 s.
        var latencies: [Int64] = []
        for event in whileFull where event.payload["durable"] as? Bool == false {
            let id = event.payload["id"] as? String ?? ""
            let raisedNs = RFC3339.parseNs(event.payload["time"] as? String ?? "") ?? 0
            let latency = (firstArrival[id] ?? .max) - raisedNs
            latencies.append(latency)
            // 5 s natively; under emulation the agent's loop itself runs that much slower: scaled.
            #expect(latency < Int64(WallClockScale.seconds(5) * 1e9), "alarm \(id) within 5 s of its raise")
        }
        let median = Self.median(latencies)
        let sorted = latencies.sorted()
        let p99 = sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
        print(
            "full card: \(whileFull.count) alarm messages while full, \(latencies.count) from memory; raise to arrival "
                + "p50 \(median / 1_000_000) ms, p99 \(p99 / 1_000_000) ms, max \((sorted.last ?? 0) / 1_000_000) ms; "
                + "healthy card p50 \(baseline / 1_000_000) ms")
        if latencies.contains(where: { $0 >= Int64(WallClockScale.seconds(5) * 1e9) }) {
            // What the link and the store said meanwhile, for the late ones (make soak-storage).
            let said = agent.log.split(separator: "\n").filter { line in
                !["held in memory", "event stored", "scenario restarted"].contains { line.contains($0) }
            }
            print("full card: agent log without per-event lines:\n\(said.suffix(80).joined(separator: "\n"))")
        }
        #expect(
            median < baseline + 1_000_000_000,
            "median raise-to-arrival \(median) ns of \(latencies), healthy card \(baseline) ns")
        #expect(whileFull.contains { $0.payload["durable"] as? Bool == false }, "some came from memory")
        // Under qemu-user (`make verify-arm64`) the RSS read is the emulator's (its translated code and its own
        // heap beside the agent's): a known issue there, reported as one.
        withKnownIssue("under emulation the RSS is qemu's, not the agent's alone", isIntermittent: true) {
            #expect(peakRss > 0 && peakRss < Self.rssCapBytes, "peak RSS \(peakRss) bytes while full")
        } when: {
            WallClockScale.factor > 1
        }

        // Space is back: the fault clears (10 s of a working store), every seq arrives, the outbox drains.
        let cleared = await eventually(within: 40) { !Self.storageFaults(subscriber, "cleared", cause: "full").isEmpty }
        #expect(cleared, "storage_fault full cleared: \(agent.log.suffix(3000))")
        let drained = await eventually(within: 30) { Self.drained(subscriber) }
        #expect(drained, "drained: \(Self.statuses(subscriber).last ?? [:])")
        #expect(agent.kill(signal: SIGTERM) == 0)
        let (missing, dropped) = try await Self.missingSeqs(subscriber, stoppedOutbox: agent.outboxPath)
        #expect(missing.count <= dropped, "missing seqs \(missing.sorted()) beyond the \(dropped) counted drops")
        #expect(agent.log.components(separatedBy: "storage fault raised").count - 1 == 1, "logged once, not per tick")
        subscriber.close()
        withExtendedLifetime(rig) {}
    }

    /// The card turned read-only by the kernel while the agent runs (ext4 `errors=remount-ro`; `mount -o
    /// remount,ro` is refused while files are open for writing): as the full card, with `cause: read_only`.
    @Test func aCardTurnedReadOnlyStillDeliversAlarms() async throws {
        let rig = try await Self.agentOnSmallCard(sizeMiB: 64, kind: .ext4)
        let (fs, subscriber, agent) = (rig.fs, rig.subscriber, rig.agent)
        #expect(await eventually(within: 30) { !Self.events(subscriber).isEmpty }, "\(agent.log.suffix(2000))")
        let failedNs = SystemClock.realtimeNs()
        try fs.failReadOnly()
        let raised = await eventually(within: 30) {
            !Self.storageFaults(subscriber, "raised", cause: "read_only").isEmpty
        }
        #expect(raised, "storage_fault read_only raised: \(agent.log.suffix(3000))")
        let alarm = await eventually(within: 30) { Self.alarmFromMemory(subscriber, afterNs: failedNs) }
        #expect(alarm, "an alarm from memory within 1 s")
        let reported = await eventually(within: 10) { Self.aStatusSaysFailing(subscriber, cause: "read_only") }
        #expect(reported, "a status says the card is read-only")
        #expect(agent.kill(signal: SIGTERM) == 0, "a clean stop even with events held in memory")
        subscriber.close()
        withExtendedLifetime(rig) {}
    }

    /// A card that is read-only when the agent starts (a board rebooted after its card failed): the agent runs
    /// from memory instead of exiting into a restart loop; alarms arrive marked not durable, `seq` goes on. Once the
    /// card is writable again, the agent's next try to open its database (every 30 s) finds it: the fault clears, what
    /// memory held is stored and the outbox drains, with no restart.
    @Test func aCardReadOnlyAtStartStillDeliversAlarmsAndIsUsedOnceWritable() async throws {
        let rig = try await Self.agentOnSmallCard(sizeMiB: 48)
        let (fs, subscriber, agent) = (rig.fs, rig.subscriber, rig.agent)
        #expect(await eventually(within: 30) { Self.events(subscriber).count >= 2 })
        #expect(agent.kill(signal: SIGTERM) == 0)
        let highest = Self.events(subscriber).compactMap { $0.payload["seq"] as? Int }.max() ?? 0
        try fs.remountReadOnly()
        try agent.start()
        let startedPid = agent.processID
        let raised = await eventually(within: 20) {
            !Self.storageFaults(subscriber, "raised", cause: "read_only").isEmpty
        }
        #expect(raised, "storage_fault read_only raised: \(agent.log.suffix(3000))")
        let alarm = await eventually(within: 30) {
            Self.alarmFromMemory(subscriber, afterNs: 0, seqAbove: highest)
        }
        #expect(alarm, "an alarm from memory within 1 s, numbered above \(highest)")
        #expect(agent.isRunning, "no exit: \(agent.log.suffix(2000))")

        // Writable again: within the 30 s retry (and a status period) the same process stores and drains.
        try fs.remountReadWrite()
        let cleared = await eventually(within: WallClockScale.seconds(50)) {
            !Self.storageFaults(subscriber, "cleared", cause: "read_only").isEmpty
        }
        #expect(cleared, "storage_fault read_only cleared: \(agent.log.suffix(3000))")
        #expect(await eventually(within: 30) { Self.drained(subscriber) }, "\(Self.statuses(subscriber).last ?? [:])")
        #expect(agent.processID == startedPid && agent.isRunning, "the same process, never restarted")
        #expect(agent.kill(signal: SIGTERM) == 0)
        // What memory held is in the database now: the highest seq published is stored (or was acknowledged and
        // removed: then a higher one is stored), so a restart does not number from below it.
        let published = Self.events(subscriber).compactMap { $0.payload["seq"] as? Int }.max() ?? 0
        let stored = try Outbox(path: agent.outboxPath, reserveBytes: 0)
        #expect(Int(try stored.lastSeq()) >= published, "seq high-water mark stored: \(published)")
        subscriber.close()
        withExtendedLifetime(rig) {}
    }

    /// The card answers every write and flush with `EIO` while the agent runs (a FUSE file system over the state
    /// folder, `FaultyFileSystem`): as the full card, with `cause: io_error`; alarms arrive from memory within 1 s;
    /// once the card works again the fault clears, everything held is stored, every seq arrives, the outbox drains.
    @Test(
        .enabled(
            if: FaultyFileSystem.isAvailable || FaultyFileSystem.isRequired,
            Comment(rawValue: FaultyFileSystem.unavailableReason)))
    func aCardFailingWithIOErrorsStillDeliversAlarmsAndRecovers() async throws {
        let card = try FaultyFileSystem()
        let (broker, subscriber, agent) = try await Self.agent(stateDirectory: "\(card.path)/state")
        #expect(await eventually(within: 30) { !Self.events(subscriber).isEmpty }, "\(agent.log.suffix(2000))")
        let failedNs = SystemClock.realtimeNs()
        card.failWrites()
        let raised = await eventually(within: 30) {
            !Self.storageFaults(subscriber, "raised", cause: "io_error").isEmpty
        }
        #expect(raised, "storage_fault io_error raised: \(agent.log.suffix(3000))")
        let alarm = await eventually(within: 30) { Self.alarmFromMemory(subscriber, afterNs: failedNs) }
        #expect(alarm, "an alarm from memory within 1 s of its raise")
        let reported = await eventually(within: 10) { Self.aStatusSaysFailing(subscriber, cause: "io_error") }
        #expect(reported, "a status says the card fails with I/O errors")
        #expect(agent.isRunning, "no exit: \(agent.log.suffix(2000))")

        card.heal()
        let cleared = await eventually(within: 40) {
            !Self.storageFaults(subscriber, "cleared", cause: "io_error").isEmpty
        }
        #expect(cleared, "storage_fault io_error cleared: \(agent.log.suffix(3000))")
        #expect(await eventually(within: 30) { Self.drained(subscriber) }, "\(Self.statuses(subscriber).last ?? [:])")
        #expect(agent.kill(signal: SIGTERM) == 0)
        let (missing, dropped) = try await Self.missingSeqs(subscriber, stoppedOutbox: agent.outboxPath)
        #expect(missing.count <= dropped, "missing seqs \(missing.sorted()) beyond the \(dropped) counted drops")
        #expect(agent.log.components(separatedBy: "storage fault raised").count - 1 == 1, "logged once, not per tick")
        subscriber.close()
        withExtendedLifetime((card, broker)) {}
    }

    /// Bytes altered inside stored payloads while the agent was stopped (broker away, so everything waited in the
    /// outbox): nothing altered is published, every damaged entry is counted, `storage_fault` `corrupt` is raised.
    @Test func damagedPayloadsAreNeverPublished() async throws {
        let port = try MosquittoBroker.freePort()
        let agent = try AgentProcess(
            port: port, scenario: "Scenarios/demo.toml", loop: false, timeScale: 25, statusIntervalS: 1)
        try agent.start()
        #expect(await eventually(within: 60) { agent.log.contains("scenario finished") }, "\(agent.log.suffix(2000))")
        #expect(agent.kill(signal: SIGTERM) == 0)
        // Into the main file, which is what is altered below (the agent's exit leaves the last pages in the WAL).
        _ = try runProgram("/usr/bin/sqlite3", [agent.outboxPath, "PRAGMA wal_checkpoint(TRUNCATE);"])
        // Every raised event's stored fields, and each flight record's (first part's) Zstandard frame, altered after a
        // marker.
        let damagedRows = """
            SELECT count(*) FROM outbox WHERE instr(payload, '"transition":"raised"') > 0
                OR instr(payload, X'28B52FFD') = 1;
            """
        let listed = agent.directory.file("damaged.txt")
        _ = try runProgram(
            "/usr/bin/sqlite3", [agent.outboxPath, damagedRows.replacingOccurrences(of: "count(*)", with: "id")],
            logFile: listed)
        let damagedIds = Set(
            try String(contentsOfFile: listed, encoding: .utf8).split(separator: "\n").map(String.init))
        let damaged = damagedIds.count
        #expect(damaged >= 4, "raised events and flight records waiting: \(damagedIds)")
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: agent.outboxPath)))
        // A letter inside the event's marker (`raise`d), and a byte of the record's compressed data 8 bytes after
        // the frame's magic: inside the payload, in the row's first page, so SQLite's own checks cannot see it.
        let raised = Array("\"transition\":\"raised\"".utf8)
        let markers: [(needle: [UInt8], flipAt: Int)] = [(raised, raised.count - 3), ([0x28, 0xB5, 0x2F, 0xFD], 12)]
        for (needle, flipAt) in markers {
            var index = 0
            while index + needle.count + 16 < bytes.count {
                if bytes[index..<index + needle.count].elementsEqual(needle) {
                    bytes[index + flipAt] ^= 0x21
                    index += needle.count
                } else {
                    index += 1
                }
            }
        }
        try Data(bytes).write(to: URL(fileURLWithPath: agent.outboxPath))

        let broker = try MosquittoBroker(port: port)
        try await broker.start()
        let subscriber = try await TestSubscriber(port: broker.port, pattern: "\(Self.topics)/#")
        try agent.start()
        let reported = await eventually(within: 30) {
            !Self.storageFaults(subscriber, "raised", cause: "corrupt").isEmpty
                && (Self.statuses(subscriber).last?["storage"] as? [String: Any])?["corrupt"] as? Int == damaged
        }
        #expect(reported, "counted \(damaged): \(Self.statuses(subscriber).last?["storage"] ?? "no status")")
        try await Task.sleep(for: .seconds(1))
        #expect(agent.kill(signal: SIGTERM) == 0)
        // None of the damaged entries arrived (the agent's second run of the scenario makes new, intact ones);
        // everything that arrived is a valid payload.
        for message in subscriber.messages(on: "/event") {
            let event = try #require(jsonObject(message.payload), "an event that is not JSON: \(message.payload)")
            #expect(!damagedIds.contains(event["id"] as? String ?? ""), "a damaged event was published: \(event)")
        }
        for message in subscriber.messages where message.topic.contains("/record/") {
            let levels = message.topic.split(separator: "/").map(String.init)
            guard let at = levels.firstIndex(of: "record"), at + 1 < levels.count else { continue }
            let eventId = levels[at + 1]
            // The outbox entry's id: `record-{event_id}`, or `record-{event_id}/{part}/{parts}` for a part.
            let entryId = "record-" + levels[(at + 1)...].joined(separator: "/")
            #expect(!damagedIds.contains(entryId), "a damaged flight record was published: \(entryId)")
            if let record = subscriber.flightRecord(eventId: eventId) {
                #expect(record.hasPrefix("{\"format\":\"hoistwatch-trace\""))
            }
        }
        let periodic = Self.statuses(subscriber).last { $0["dropped"] != nil }
        let dropped = (periodic?["dropped"] as? [String: Int])?.values.reduce(0, +) ?? 0
        #expect(dropped >= damaged, "each damaged entry is a counted drop: \(periodic ?? [:])")
        subscriber.close()
    }

    /// The database replaced by garbage, then truncated to nothing, before a start: the agent starts each time,
    /// reports it (`storage_fault` `corrupt` with where the file went), and `seq` does not go back.
    @Test func anUnusableDatabaseAtStartIsReportedAndSeqGoesOn() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let subscriber = try await TestSubscriber(port: broker.port, pattern: "\(Self.topics)/event")
        let agent = try AgentProcess(port: broker.port, scenario: "Scenarios/demo.toml", loop: true, timeScale: 40)
        try agent.start()
        #expect(await eventually(within: 30) { Self.events(subscriber).count >= 3 })
        #expect(agent.kill(signal: SIGTERM) == 0)
        var highest = Self.events(subscriber).compactMap { $0.payload["seq"] as? Int }.max() ?? 0

        for damage in ["garbage", "emptied"] {
            let path = agent.outboxPath
            unlink(path + "-wal")
            unlink(path + "-shm")
            if damage == "garbage" {
                try Data((0..<65536).map { UInt8(truncatingIfNeeded: $0 &* 73 &+ 5) }).write(
                    to: URL(fileURLWithPath: path))
            } else {
                try Data().write(to: URL(fileURLWithPath: path))
            }
            try agent.start()
            let reported = await eventually(within: 20) {
                Self.storageFaults(subscriber, "raised", cause: "corrupt").contains { event in
                    ((event["data"] as? [String: Any])?["resumed_after_seq"] as? Int ?? -1) >= highest
                }
            }
            #expect(reported, "\(damage): reported: \(agent.log.suffix(2000))")
            #expect(
                await eventually(within: 20) {
                    Self.events(subscriber).contains { ($0.payload["seq"] as? Int ?? 0) > highest }
                })
            #expect(agent.kill(signal: SIGTERM) == 0, "\(damage): the agent ran and stopped cleanly")
            let newSeqs = Self.events(subscriber).compactMap { $0.payload["seq"] as? Int }
            #expect(newSeqs.max() ?? 0 > highest, "\(damage): seq went on")
            highest = newSeqs.max() ?? highest
        }
        let moved = try FileManager.default.contentsOfDirectory(atPath: agent.stateDirectory).filter {
            $0.hasPrefix("outbox.db.damaged-")
        }
        #expect(moved.count == 1, "the garbage file kept for inspection: \(moved)")
        subscriber.close()
    }

}
