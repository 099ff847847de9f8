// hoistwatch-bench: the link figures of `make bench` (issue 3), against a real mosquitto the caller started.
//
//   hoistwatch-bench link --port PORT [--events 20000] [--payload-bytes 400] [--samples 500] [--spacing-ms 5]
//                         [--pub-runs 3] [--mosquitto-pub /usr/bin/mosquitto_pub]
//
// Progress goes to stderr; the results go to stdout as `key=value` lines (scripts/bench.sh turns them into the
// report). Every phase uses the library types the agent runs (`Outbox` on disk, `MqttLinkService`):
//
// 1. sustained: N events (QoS 1, `--payload-bytes` of JSON each) are appended to an on-disk outbox by one thread
//    while the link service runs; the time is from the first append to the N-th acknowledged entry (PUBACK
//    received and the entry's removal committed), i.e. until the outbox is empty again.
// 2. drain: N events are stored first, then the service starts; time until all are acknowledged (the link alone,
//    with its FULL-sync removals, without the appends competing for the outbox).
// 2b. outbox primitives without the link: remove(id:) and pending(limit: 32), what the link pays per entry.
// 3. mosquitto_pub: the same number of QoS 1 messages of the same size, `mosquitto_pub -q 1 -l` reading them from
//    a file on stdin, wall time of the whole process (connect, publish, last PUBACK, disconnect); median of runs.
// 4. latency: one event at a time, `--samples` of them spaced `--spacing-ms`: appendEvent alone (the FULL-sync
//    commit) and appendEvent -> entry acknowledged and removed, observed by polling the service's `acknowledged`
//    counter (`MqttLinkService.diagnostics()`, raised right after the removal commit that follows the PUBACK).
// A subscriber on the same broker counts what arrives (reported beside the figures; the outbox must end empty).

import Foundation
import HoistWatchAgent
import HoistWatchSystem
import Logging

#if canImport(Glibc)
import Glibc
#endif

// MARK: small helpers

func monotonicNs() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}

func progress(_ message: String) {
    FileHandle.standardError.write(Data("[bench] \(message)\n".utf8))
}

/// The bench's temp folder, removed on the way out (also by `fail`).
nonisolated(unsafe) var workDirectory: String?

func fail(_ message: String) -> Never {
    progress("error: \(message)")
    if let workDirectory { try? FileManager.default.removeItem(atPath: workDirectory) }
    exit(1)
}

/// Nearest-rank percentile of `values` (not empty), `p` in 0...1.
func percentile(_ sorted: [Int64], _ p: Double) -> Int64 {
    let rank = max(1, Int((p * Double(sorted.count)).rounded(.up)))
    return sorted[min(sorted.count, rank) - 1]
}

func ms(_ ns: Int64) -> String { String(format: "%.3f", Double(ns) / 1e6) }
func rate(_ count: Int, _ ns: Int64) -> String { String(format: "%.0f", Double(count) / (Double(ns) / 1e9)) }
func seconds(_ ns: Int64) -> String { String(format: "%.3f", Double(ns) / 1e9) }

// MARK: options

struct Options {
    var port = 0
    var events = 20_000
    var payloadBytes = 400
    var samples = 500
    var spacingMs = 5
    var pubRuns = 3
    /// Events per append transaction in the sustained phase: 1 = one commit per event (the worst case), more =
    /// the agent's group commit of everything detected in one 10 ms tick, during a burst.
    var batch = 1
    var mosquittoPub = "/usr/bin/mosquitto_pub"

    init(_ arguments: [String]) {
        var rest = arguments[...]
        guard rest.popFirst() == "link" else { Self.usage() }
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { Self.usage() }
            switch flag {
            case "--port": port = Int(value) ?? 0
            case "--events": events = Int(value) ?? 0
            case "--payload-bytes": payloadBytes = Int(value) ?? 0
            case "--samples": samples = Int(value) ?? 0
            case "--spacing-ms": spacingMs = Int(value) ?? -1
            case "--pub-runs": pubRuns = Int(value) ?? 0
            case "--batch": batch = Int(value) ?? 0
            case "--mosquitto-pub": mosquittoPub = value
            default: Self.usage()
            }
        }
        guard port > 0, events > 0, payloadBytes >= 200, samples > 0, spacingMs >= 0, pubRuns > 0,
            batch > 0
        else { Self.usage() }
    }

    static func usage() -> Never {
        fail(
            "usage: hoistwatch-bench link --port PORT [--events N] [--payload-bytes B] [--samples S] "
                + "[--spacing-ms MS] [--pub-runs R] [--batch N] [--mosquitto-pub PATH]")
    }
}

// MARK: what is sent

enum Topics {
    static let device = "bench/37010000000000000001"
    static let event = "\(device)/event"
    static let status = "\(device)/status"
    static let mosquittoPub = "bench/mosquitto_pub/event"
}

/// An event payload like the agent's (one JSON line), padded to exactly `bytes`.
func payload(seq: Int64, id: String, bytes: Int) -> [UInt8] {
    let head =
        "{\"id\":\"\(id)\",\"seq\":\(seq),\"device_id\":\"37010000000000000001\",\"type\":\"overspeed\","
        + "\"class\":\"alarm\",\"severity\":\"alarm\",\"state\":\"raised\",\"time\":\"2025-06-01T08:30:00.000Z\","
        + "\"time_synced\":true,\"mono_ns\":\(seq * 1_000_000),\"data\":{\"speed_mps\":2.083,\"rated_mps\":1.75,"
        + "\"position_m\":11.482,\"direction\":\"up\",\"load_kg\":612.5,\"door_closed\":true},\"pad\":\""
    let tail = "\"}"
    let padding = max(0, bytes - head.utf8.count - tail.utf8.count)
    return Array((head + String(repeating: "x", count: padding) + tail).utf8)
}

func eventID(_ phase: String, _ seq: Int64) -> String {
    // UUID-sized, like the agent's ids.
    let hex = String(seq, radix: 16)
    return "bench-\(phase)-" + String(repeating: "0", count: max(0, 24 - hex.count)) + hex
}

func entry(_ phase: String, seq: Int64, bytes: Int) -> OutboxEntry {
    let id = eventID(phase, seq)
    return OutboxEntry(
        id: id, seq: seq, priority: .alarm, topic: Topics.event, payload: payload(seq: seq, id: id, bytes: bytes),
        monoNs: monotonicNs(), bootId: "bench-boot", wallNs: 1_748_766_600_000_000_000, timeSynced: true)
}

// MARK: broker side

/// A subscriber on `bench/#` that counts messages per topic.
final class Subscriber: Sendable {
    let client: MosquittoClient
    let counts = Locked<[String: Int]>([:])
    let states = Locked<[MosquittoEvent]>([])

    init(port: Int) async {
        do {
            client = try MosquittoClient(
                options: MosquittoOptions(host: "127.0.0.1", port: port, clientID: "bench-sub"))
        } catch {
            fail("subscriber: \(error)")
        }
        let counts = self.counts
        let states = self.states
        let events = client.events
        Task.detached {
            for await event in events {
                switch event {
                case .message(let topic, _, _): counts.withLock { $0[topic, default: 0] += 1 }
                case .log: break
                default: states.withLock { $0.append(event) }
                }
            }
        }
        do {
            try client.connect()
        } catch {
            fail("subscriber cannot connect: \(error)")
        }
        guard await waitFor(seconds: 5, { states.withLock { $0.contains(.connected) } }) else {
            fail("subscriber did not connect")
        }
        let mid: Int32
        do {
            mid = try client.subscribe("bench/#")
        } catch {
            fail("subscribe: \(error)")
        }
        guard await waitFor(seconds: 5, { states.withLock { $0.contains(.subscribed(mid: mid)) } }) else {
            fail("subscription not acknowledged")
        }
    }

    func count(_ topic: String) -> Int { counts.withLock { $0[topic] ?? 0 } }
}

func waitFor(seconds: Double, _ condition: () async -> Bool) async -> Bool {
    let deadline = monotonicNs() + Int64(seconds * 1e9)
    while monotonicNs() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return await condition()
}

// MARK: link side

enum Log {
    /// Warnings and errors of the link service on stderr; its info lines would only add noise.
    static let logger = Logger(label: "hoistwatch-bench") { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = .warning
        return handler
    }
}

func startLink(port: Int, outbox: Outbox) -> (MqttLinkService<ContinuousClock>, Task<Void, any Error>) {
    let broker = MosquittoOptions(host: "127.0.0.1", port: port, clientID: "bench-agent")
    let service = MqttLinkService(
        configuration: MqttLinkConfiguration(broker: broker, statusTopic: Topics.status),
        outbox: outbox, logger: Log.logger,
        birth: { Array("{\"online\":true,\"session\":\($0)}".utf8) },
        will: { Array("{\"online\":false,\"session\":\($0)}".utf8) })
    let task = Task.detached { try await service.run() }
    return (service, task)
}

func waitConnected(_ service: MqttLinkService<ContinuousClock>) async {
    let connected = await waitFor(seconds: 10) {
        if case .connected = await service.diagnostics().phase { return true }
        return false
    }
    if !connected { fail("the link did not connect: \(await service.diagnostics())") }
}

func stopLink(_ service: MqttLinkService<ContinuousClock>, _ task: Task<Void, any Error>) async {
    service.triggerShutdown()
    _ = await task.result
}

/// Waits until the service has acknowledged `count` entries since it started; polls every `pollUs`.
func waitAcknowledged(
    _ service: MqttLinkService<ContinuousClock>, _ count: Int, pollUs: Int, timeoutS: Double
) async -> Bool {
    let deadline = monotonicNs() + Int64(timeoutS * 1e9)
    while await service.diagnostics().acknowledged < count {
        if monotonicNs() > deadline { return false }
        try? await Task.sleep(for: .microseconds(pollUs))
    }
    return true
}

func openOutbox(_ directory: String, _ name: String) -> Outbox {
    do {
        return try Outbox(path: "\(directory)/\(name)")
    } catch {
        fail("outbox: \(error)")
    }
}

func append(_ outbox: Outbox, _ phase: String, bytes: Int) {
    do {
        try outbox.appendEvent { entry(phase, seq: $0, bytes: bytes) }
    } catch {
        fail("append: \(error)")
    }
}

func append(_ outbox: Outbox, _ phase: String, bytes: Int, count: Int) {
    do {
        try outbox.append(batch: (0..<count).map { _ in .event { entry(phase, seq: $0, bytes: bytes) } })
    } catch {
        fail("append: \(error)")
    }
}

func depth(_ outbox: Outbox) -> Int {
    (try? outbox.depth().count) ?? -1
}

/// Runs `path arguments` with stdin from `input`, stdout and stderr to /dev/null; returns the exit status.
func runProgram(_ path: String, _ arguments: [String], stdin input: String) -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
    defer { for argument in argv { free(argument) } }
    var pid: pid_t = 0
    guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else { fail("cannot start \(path)") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return status
}

// MARK: main

let options = Options(Array(CommandLine.arguments.dropFirst()))
let n = options.events
let work = FileManager.default.temporaryDirectory.appendingPathComponent("hoistwatch-bench-\(getpid())").path
do {
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
} catch {
    fail("cannot create \(work): \(error)")
}
workDirectory = work
var results: [(String, String)] = [
    ("events", "\(n)"), ("payload_bytes", "\(options.payloadBytes)"), ("inflight_window", "32"),
]

let subscriber = await Subscriber(port: options.port)
progress("subscriber connected to 127.0.0.1:\(options.port); outboxes in \(work)")

// 1. sustained: appends while the link runs.
do {
    let outbox = openOutbox(work, "sustained.db")
    let (service, task) = startLink(port: options.port, outbox: outbox)
    await waitConnected(service)
    progress(
        "sustained: appending \(n) events of \(options.payloadBytes) B, \(options.batch) per commit, while the link sends them"
    )
    let appendCosts = Locked<[Int64]>([])
    let appendsDone = Locked<Int64?>(nil)
    let payloadBytes = options.payloadBytes
    let count = n
    let batch = options.batch
    let start = monotonicNs()
    PosixThread.detach {
        var costs: [Int64] = []
        costs.reserveCapacity(count)
        var appended = 0
        while appended < count {
            let size = min(batch, count - appended)
            let before = monotonicNs()
            if size == 1 {
                append(outbox, "s", bytes: payloadBytes)
            } else {
                append(outbox, "s", bytes: payloadBytes, count: size)
            }
            costs.append(monotonicNs() - before)
            appended += size
        }
        appendCosts.withLock { $0 = costs }
        appendsDone.withLock { $0 = monotonicNs() }
    }
    var ackedAtAppendsDone: Int?
    let deadline = start + 600_000_000_000
    while true {
        let acknowledged = await service.diagnostics().acknowledged
        if ackedAtAppendsDone == nil, appendsDone.withLock({ $0 }) != nil { ackedAtAppendsDone = acknowledged }
        if acknowledged >= n { break }
        if monotonicNs() > deadline { fail("sustained: only \(acknowledged) of \(n) acknowledged after 600 s") }
        try? await Task.sleep(for: .microseconds(200))
    }
    let end = monotonicNs()
    while appendsDone.withLock({ $0 }) == nil { try? await Task.sleep(for: .milliseconds(1)) }
    let appendsEnd = appendsDone.withLock { $0! }
    // Removal follows the PUBACK in batches within a few milliseconds.
    _ = await waitFor(seconds: 2) { depth(outbox) == 0 }
    let left = depth(outbox)
    _ = await waitFor(seconds: 10) { subscriber.count(Topics.event) >= n }
    let received = subscriber.count(Topics.event)
    await stopLink(service, task)
    let costs = appendCosts.withLock { $0 }.sorted()
    progress(
        "sustained: \(n) acknowledged in \(seconds(end - start)) s, outbox depth \(left), subscriber got \(received)")
    results += [
        ("sustained_batch", "\(options.batch)"),
        ("sustained_s", seconds(end - start)), ("sustained_ev_s", rate(n, end - start)),
        ("sustained_appends_s", seconds(appendsEnd - start)),
        ("sustained_acked_when_appends_done", "\(ackedAtAppendsDone ?? n)"),
        ("sustained_append_p50_ms", ms(percentile(costs, 0.5))),
        ("sustained_append_p99_ms", ms(percentile(costs, 0.99))),
        ("sustained_depth_after", "\(left)"), ("sustained_received", "\(received)"),
    ]
    if left != 0 { fail("sustained: \(left) entries still in the outbox") }
    if received < n { progress("warning: the subscriber got \(received) of \(n)") }
}

// 2. drain: the outbox is full first, then the link starts.
do {
    let outbox = openOutbox(work, "drain.db")
    let before = subscriber.count(Topics.event)
    progress("drain: storing \(n) events with the link stopped")
    for _ in 0..<n { append(outbox, "d", bytes: options.payloadBytes) }
    let start = monotonicNs()
    let (service, task) = startLink(port: options.port, outbox: outbox)
    guard await waitAcknowledged(service, n, pollUs: 200, timeoutS: 600) else { fail("drain: timed out") }
    let end = monotonicNs()
    // Removal follows the PUBACK in batches within a few milliseconds.
    _ = await waitFor(seconds: 2) { depth(outbox) == 0 }
    let left = depth(outbox)
    _ = await waitFor(seconds: 10) { subscriber.count(Topics.event) - before >= n }
    let received = subscriber.count(Topics.event) - before
    await stopLink(service, task)
    progress(
        "drain: \(n) acknowledged in \(seconds(end - start)) s (connect included), depth \(left), subscriber got \(received)"
    )
    results += [
        ("drain_s", seconds(end - start)), ("drain_ev_s", rate(n, end - start)),
        ("drain_depth_after", "\(left)"), ("drain_received", "\(received)"),
    ]
    if left != 0 { fail("drain: \(left) entries still in the outbox") }
    if received < n { progress("warning: the subscriber got \(received) of \(n)") }
}

// 2b. the outbox primitives the link pays per entry, without the link: remove(id:) (its own FULL-sync commit) and
// pending(limit:) (the query that refills the in-flight window after each PUBACK).
do {
    let outbox = openOutbox(work, "primitives.db")
    let count = min(n, 2_000)
    for _ in 0..<count { append(outbox, "m", bytes: options.payloadBytes) }
    var pendingNs: [Int64] = []
    for _ in 0..<200 {
        let start = monotonicNs()
        _ = try? outbox.pending(limit: 32)
        pendingNs.append(monotonicNs() - start)
    }
    var removeNs: [Int64] = []
    for seq in 1...Int64(count) {
        let start = monotonicNs()
        guard (try? outbox.remove(id: eventID("m", seq))) == true else {
            fail("remove: \(eventID("m", seq)) not found")
        }
        removeNs.append(monotonicNs() - start)
    }
    removeNs.sort()
    pendingNs.sort()
    progress(
        "outbox: remove p50 \(ms(percentile(removeNs, 0.5))) ms, pending(32) p50 \(ms(percentile(pendingNs, 0.5))) ms")
    results += [
        ("remove_p50_ms", ms(percentile(removeNs, 0.5))), ("remove_p99_ms", ms(percentile(removeNs, 0.99))),
        ("pending_p50_ms", ms(percentile(pendingNs, 0.5))), ("pending_p99_ms", ms(percentile(pendingNs, 0.99))),
    ]
}

// 3. mosquitto_pub, same count, size and QoS, same broker.
do {
    let lines = "\(work)/pub-lines.txt"
    var text: [UInt8] = []
    for seq in 1...Int64(n) {
        text += payload(seq: seq, id: eventID("p", seq), bytes: options.payloadBytes)
        text.append(0x0A)
    }
    guard FileManager.default.createFile(atPath: lines, contents: Data(text)) else { fail("cannot write \(lines)") }
    var times: [Int64] = []
    var lastReceived = 0
    for run in 1...options.pubRuns {
        let before = subscriber.count(Topics.mosquittoPub)
        let start = monotonicNs()
        let status = runProgram(
            options.mosquittoPub,
            [
                "-h", "127.0.0.1", "-p", "\(options.port)", "-q", "1", "-t", Topics.mosquittoPub, "-l", "-i",
                "bench-pub-\(run)",
            ],
            stdin: lines)
        let end = monotonicNs()
        guard status == 0 else { fail("mosquitto_pub exited with status \(status)") }
        _ = await waitFor(seconds: 10) { subscriber.count(Topics.mosquittoPub) - before >= n }
        let received = subscriber.count(Topics.mosquittoPub) - before
        progress("mosquitto_pub run \(run): \(n) messages in \(seconds(end - start)) s, subscriber got \(received)")
        if received < n { progress("warning: the subscriber got \(received) of \(n)") }
        times.append(end - start)
        lastReceived = received
    }
    let median = times.sorted()[times.count / 2]
    results += [
        ("pub_runs", "\(times.count)"), ("pub_s", seconds(median)), ("pub_ev_s", rate(n, median)),
        ("pub_runs_s", times.map(seconds).joined(separator: ",")), ("pub_received", "\(lastReceived)"),
    ]
}

// 4. latency, one event at a time.
do {
    let outbox = openOutbox(work, "latency.db")
    let (service, task) = startLink(port: options.port, outbox: outbox)
    await waitConnected(service)
    let pollUs = 50
    let warmup = 20
    progress("latency: \(warmup) warm-up + \(options.samples) events, one at a time, \(options.spacingMs) ms apart")
    var appendNs: [Int64] = []
    var endToEndNs: [Int64] = []
    var polls = 0
    var pollTime: Int64 = 0
    for index in 0..<(warmup + options.samples) {
        let start = monotonicNs()
        append(outbox, "l", bytes: options.payloadBytes)
        let appended = monotonicNs()
        while await service.diagnostics().acknowledged < index + 1 {
            if monotonicNs() - start > 30_000_000_000 { fail("latency: event \(index) not acknowledged in 30 s") }
            let before = monotonicNs()
            try? await Task.sleep(for: .microseconds(pollUs))
            polls += 1
            pollTime += monotonicNs() - before
        }
        let acknowledged = monotonicNs()
        if index >= warmup {
            appendNs.append(appended - start)
            endToEndNs.append(acknowledged - start)
        }
        try? await Task.sleep(for: .milliseconds(options.spacingMs))
    }
    // Removal follows the PUBACK in batches within a few milliseconds.
    _ = await waitFor(seconds: 2) { depth(outbox) == 0 }
    let left = depth(outbox)
    await stopLink(service, task)
    // After the append returned: publish, PUBACK, the removal commit (and the poll's resolution).
    let linkNs = zip(appendNs, endToEndNs).map { $1 - $0 }.sorted()
    appendNs.sort()
    endToEndNs.sort()
    progress("latency: p50 \(ms(percentile(endToEndNs, 0.5))) ms, p99 \(ms(percentile(endToEndNs, 0.99))) ms")
    results += [
        ("latency_samples", "\(endToEndNs.count)"), ("latency_spacing_ms", "\(options.spacingMs)"),
        ("latency_p50_ms", ms(percentile(endToEndNs, 0.5))), ("latency_p99_ms", ms(percentile(endToEndNs, 0.99))),
        ("latency_max_ms", ms(endToEndNs.last!)),
        ("append_p50_ms", ms(percentile(appendNs, 0.5))), ("append_p99_ms", ms(percentile(appendNs, 0.99))),
        ("append_max_ms", ms(appendNs.last!)),
        ("after_append_p50_ms", ms(percentile(linkNs, 0.5))), ("after_append_p99_ms", ms(percentile(linkNs, 0.99))),
        ("poll_resolution_us", String(format: "%.0f", polls == 0 ? 0 : Double(pollTime) / Double(polls) / 1e3)),
        ("latency_depth_after", "\(left)"),
    ]
}

subscriber.client.close()
try? FileManager.default.removeItem(atPath: work)
for (key, value) in results { print("\(key)=\(value)") }
