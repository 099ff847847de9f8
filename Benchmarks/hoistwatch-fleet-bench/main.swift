// hoistwatch-fleet-bench: a fleet of simulated boards in one process, each with the agent's real outbox (its own
// SQLite file) and MQTT link (`MqttLinkService`, libmosquitto), against a mosquitto this tool starts on a loopback
// port; then the broker is stopped and restarted under them (issue 15, part 6).
//
//   hoistwatch-fleet-bench --boards N [--loops L] [--events E] [--outage-s S] [--mosquitto PATH] [--work DIR]
//
// The boards' connections share L network loops (`MosquittoNetworkLoop`: one thread and one ppoll(2) each); each
// board holds about 6 descriptors (socket, libmosquitto's socket pair, SQLite database, WAL, shm), so the bench
// raises RLIMIT_NOFILE (the hard limit too when it may, as root) and the broker it starts inherits that limit.
//
// 1. start the broker, start N boards at once: time until every board is connected (the first storm);
// 2. every board stores E events; wait until a subscriber has all of them;
// 3. stop the broker (SIGTERM, so it saves the subscriber's session); every board stores E more (they wait in the
//    outboxes); after S seconds restart it on the same port: time until every board is connected again, connects per
//    second at the peak (from the broker's log, and as the boards saw them: their session counters, which rise on
//    each connect, sampled every 100 ms), the broker's CPU from the restart until every board is back and until every outbox is empty (and its
//    busiest second), and whether every seq of every board arrived (a subscriber that connects right after the
//    restart; the boards' first retry is 1 s away).
// Prints one `key: value` line per figure. Not a test: figures for the README.
import Foundation
import HoistWatchAgent
import HoistWatchSystem
import Logging

#if canImport(Glibc)
import Glibc
#endif

func monotonicNs() -> Int64 { SystemClock.monotonicNs() }

/// The broker's pid, for the exits below: a bench that fails or is stopped takes its broker with it.
nonisolated(unsafe) var brokerPid: pid_t = 0

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("hoistwatch-fleet-bench: \(message)\n".utf8))
    if brokerPid > 0 { kill(brokerPid, SIGKILL) }
    exit(1)
}

func stopBrokerOnSignals() {
    for number in [SIGINT, SIGTERM, SIGHUP] {
        signal(number) { received in
            if brokerPid > 0 { kill(brokerPid, SIGKILL) }
            _exit(128 + received)
        }
    }
}

/// One figure on stdout, written at once (a pipe would otherwise hold it until the end).
func report(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func progress(_ message: String) {
    FileHandle.standardError.write(Data("  \(message)\n".utf8))
}

struct Options {
    var boards = 200
    var loops = 1
    var events = 5
    var outageS = 5.0
    var mosquitto = "/usr/sbin/mosquitto"
    var work: String?
    var connectTimeoutS = 300.0

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let name = iterator.next() {
            guard let value = iterator.next() else { fail("\(name) needs a value") }
            switch name {
            case "--boards": boards = Int(value) ?? 0
            case "--loops": loops = Int(value) ?? 0
            case "--events": events = Int(value) ?? 0
            case "--outage-s": outageS = Double(value) ?? -1
            case "--mosquitto": mosquitto = value
            case "--work": work = value
            case "--connect-timeout-s": connectTimeoutS = Double(value) ?? 300
            default: fail("unknown option \(name)")
            }
        }
        guard boards > 0, loops > 0, events > 0, outageS >= 0 else {
            fail("--boards, --loops and --events must be > 0, --outage-s >= 0")
        }
    }
}

// MARK: the broker

/// mosquitto on a fixed loopback port, killed and restarted by the bench.
final class Broker: @unchecked Sendable {
    // @unchecked Sendable: used from the bench's one task only.
    let port: Int
    let config: String
    let path: String
    let log: String
    private(set) var pid: pid_t = 0

    init(path: String, directory: String) {
        self.path = path
        port = Broker.freePort()
        config = "\(directory)/mosquitto.conf"
        // Persistence, saved at the stop: the subscriber's session (and the messages queued for it) survive the
        // restart, so it misses nothing the boards send before it is back. The log counts the connects (notice
        // level: one line per connection, not per message). `user root` as the test brokers: started by root,
        // mosquitto would otherwise run as `mosquitto` and not write its files. No connection limit; the descriptors
        // it may open are this process's RLIMIT_NOFILE, which it inherits.
        log = "\(directory)/mosquitto.log"
        let text = [
            "user root", "listener \(port) 127.0.0.1", "allow_anonymous true", "max_connections -1",
            "persistence true", "persistence_location \(directory)/", "autosave_interval 0",
            "max_queued_messages 1000000", "log_dest file \(log)", "log_type error", "log_type warning",
            "log_type notice", "log_timestamp_format %s", "",
        ].joined(separator: "\n")
        _ = FileManager.default.createFile(atPath: config, contents: Data(text.utf8))
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 ? getsockname(fd, pointer, &length) : -1
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    func start() async {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(path), strdup("-c"), strdup(config), nil]
        defer { for argument in argv { free(argument) } }
        // An empty signal mask: the child would inherit this thread's, where the runtime may block SIGTERM.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        guard posix_spawn(&pid, path, &actions, &attributes, argv, environ) == 0 else { fail("cannot start \(path)") }
        brokerPid = pid
        for _ in 0..<200 where !canConnect() { try? await Task.sleep(for: .milliseconds(25)) }
        guard canConnect() else { fail("mosquitto did not listen on \(port)") }
    }

    /// Stops the broker (SIGTERM: it saves its persistence file first) and waits for it.
    func stop() {
        Glibc.kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    func canConnect() -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// Clients whose id starts with `clientPrefix` that connected at or after `sinceS` (Unix seconds), per second,
    /// from the broker's log.
    func connectsPerSecond(sinceS: Int, clientPrefix: String) -> [Int: Int] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        var counts: [Int: Int] = [:]
        for line in text.split(separator: "\n") where line.contains("New client connected") {
            guard line.contains(" as \(clientPrefix)"), let stamp = Int(line.prefix { $0 != ":" }), stamp >= sinceS
            else { continue }
            counts[stamp, default: 0] += 1
        }
        return counts
    }

    /// The broker's user + system CPU time so far, seconds (/proc/PID/stat, clock ticks).
    func cpuSeconds() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, utime 14, stime 15 (1-based in proc(5)).
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

/// Descriptors this process has open (/proc/self/fd).
func openDescriptors() -> Int {
    ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.count ?? 1) - 1
}

/// This process's user + system CPU time so far, seconds.
func processCpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

// MARK: the boards

enum Log {
    static let logger = Logger(label: "hoistwatch-fleet-bench") { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = .critical
        return handler
    }
}

/// One simulated board: its outbox and link, as the agent has them.
struct Board {
    let deviceId: String
    let outbox: Outbox
    let service: MqttLinkService<ContinuousClock>
    let task: Task<Void, any Error>

    init(index: Int, port: Int, directory: String, networkLoop: MosquittoNetworkLoop) {
        deviceId = String(format: "3701%016d", index)
        do {
            outbox = try Outbox(path: "\(directory)/board-\(index).db")
        } catch {
            fail("outbox \(index): \(error)")
        }
        let options = MosquittoOptions(host: "127.0.0.1", port: port, clientID: "fleet-\(deviceId)")
        let device = deviceId
        let service = MqttLinkService(
            configuration: MqttLinkConfiguration(broker: options, statusTopic: "fleet/\(deviceId)/status"),
            outbox: outbox, logger: Log.logger, clock: ContinuousClock(),
            birth: { Array("{\"device_id\":\"\(device)\",\"online\":true,\"session\":\($0)}".utf8) },
            will: { Array("{\"device_id\":\"\(device)\",\"online\":false,\"session\":\($0)}".utf8) },
            networkLoop: networkLoop)
        self.service = service
        task = Task.detached { try await service.run() }
    }

    func store(events: Int, phase: String) {
        let device = deviceId
        do {
            try outbox.append(
                batch: (0..<events).map { _ in
                    .event { seq in
                        let id = "\(device)-\(phase)-\(seq)"
                        let payload = "{\"device_id\":\"\(device)\",\"seq\":\(seq),\"id\":\"\(id)\"}"
                        return OutboxEntry(
                            id: id, seq: seq, priority: .warning, topic: "fleet/\(device)/event",
                            payload: Array(payload.utf8), monoNs: monotonicNs(), bootId: "fleet",
                            wallNs: SystemClock.realtimeNs(), timeSynced: true)
                    }
                })
        } catch {
            fail("append on \(device): \(error)")
        }
    }

    func connected() async -> Bool {
        if case .connected = await service.diagnostics().phase { return true }
        return false
    }
}

/// Counts the distinct `seq`s received per board on `fleet/+/event`.
final class Subscriber: Sendable {
    let client: MosquittoClient
    let seqs = Locked<[String: Set<Int64>]>([:])
    let states = Locked<[MosquittoEvent]>([])

    /// A persistent session (clean session false, one client id): the broker queues for it while it is away.
    init(port: Int) async {
        do {
            client = try MosquittoClient(
                options: MosquittoOptions(host: "127.0.0.1", port: port, clientID: "fleetsub", cleanSession: false))
        } catch {
            fail("subscriber: \(error)")
        }
        let seqs = self.seqs
        let states = self.states
        let events = client.events
        Task.detached {
            for await event in events {
                switch event {
                case .message(let topic, let payload, _):
                    let parts = topic.split(separator: "/")
                    guard parts.count == 3, let json = try? JSONSerialization.jsonObject(with: Data(payload)),
                        let seq = (json as? [String: Any])?["seq"] as? Int
                    else { continue }
                    seqs.withLock { _ = $0[String(parts[1]), default: []].insert(Int64(seq)) }
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
        for _ in 0..<500 where !states.withLock({ $0.contains(.connected) }) {
            try? await Task.sleep(for: .milliseconds(10))
        }
        do {
            try client.subscribe("fleet/+/event")
        } catch {
            fail("subscribe: \(error)")
        }
        try? await Task.sleep(for: .milliseconds(100))
    }

    func received() -> Int { seqs.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    /// How many of `boards` this subscriber has every seq of `expected` from.
    func boardsComplete(with expected: Set<Int64>, of boards: [Board]) -> Int {
        seqs.withLock { seen in boards.filter { expected.isSubset(of: seen[$0.deviceId] ?? []) }.count }
    }
    func boardsComplete(through seq: Int64) -> Int {
        seqs.withLock { $0.values.filter { set in set.count == Int(seq) && set.contains(seq) }.count }
    }
}

func seconds(_ ns: Int64) -> String { String(format: "%.2f", Double(ns) / 1e9) }

/// What `waitAllConnected` saw.
struct Storm {
    /// From the start until every board was connected; nil when not all were within the timeout.
    var allConnectedNs: Int64?
    /// The most new sessions (connects: the link's `session` rises on each) in one second.
    var connectsPeakPerSecond: Int
    /// The broker's CPU seconds when every board was connected (or at the timeout).
    var brokerCpuS: Double
    /// The broker's busiest second: CPU seconds used in it (1.0 = one core all the time).
    var brokerPeakCpuPerSecond: Double
}

/// Polls every board every 100 ms until all are connected (or `timeoutS`), counting new sessions from
/// `sessionsBefore` and sampling the broker's CPU time once a second.
func waitAllConnected(
    _ boards: [Board], since startNs: Int64, timeoutS: Double, sessionsBefore: [Int64], broker: Broker
) async -> Storm {
    var lastSessions = sessionsBefore
    var perSecond: [Int: Int] = [:]
    var reported = 0
    var cpuAtSecond = broker.cpuSeconds()
    var peakCpu = 0.0
    let deadline = startNs + Int64(timeoutS * 1e9)
    while monotonicNs() < deadline {
        var connected = 0
        let second = Int((monotonicNs() - startNs) / 1_000_000_000)
        for (index, board) in boards.enumerated() {
            let diagnostics = await board.service.diagnostics()
            if diagnostics.session != lastSessions[index] {
                perSecond[second, default: 0] += Int(diagnostics.session - lastSessions[index])
                lastSessions[index] = diagnostics.session
            }
            if case .connected = diagnostics.phase { connected += 1 }
        }
        if second > reported {
            let cpu = broker.cpuSeconds()
            peakCpu = max(peakCpu, (cpu - cpuAtSecond) / Double(second - reported))
            cpuAtSecond = cpu
            reported = second
            progress("\(second) s: \(connected) of \(boards.count) connected")
        }
        if connected == boards.count {
            return Storm(
                allConnectedNs: monotonicNs() - startNs, connectsPeakPerSecond: perSecond.values.max() ?? 0,
                brokerCpuS: broker.cpuSeconds(), brokerPeakCpuPerSecond: peakCpu)
        }
        try? await Task.sleep(for: .milliseconds(100))
    }
    var phases: [String: Int] = [:]
    for board in boards {
        let diagnostics = await board.service.diagnostics()
        if case .connected = diagnostics.phase { continue }
        phases["\(diagnostics.phase) \(diagnostics.lastError ?? "")".prefix(160).description, default: 0] += 1
    }
    for (phase, count) in phases { progress("not connected: \(count) x \(phase)") }
    return Storm(
        allConnectedNs: nil, connectsPeakPerSecond: perSecond.values.max() ?? 0, brokerCpuS: broker.cpuSeconds(),
        brokerPeakCpuPerSecond: peakCpu)
}

/// Raises RLIMIT_NOFILE to `wanted` descriptors: the soft limit up to the hard one, and the hard one too where the
/// process may (root). Returns the soft limit now in force.
func raiseFileLimit(to wanted: rlim_t) -> rlim_t {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    if limit.rlim_max < wanted {
        var raised = rlimit(rlim_cur: wanted, rlim_max: wanted)
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return wanted }
    }
    limit.rlim_cur = max(limit.rlim_cur, min(wanted, limit.rlim_max))
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    return limit.rlim_cur
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
// Six a board, the broker's one a board (it inherits the limit), and room for the rest.
let fileLimit = raiseFileLimit(to: rlim_t(options.boards * 8 + 1024))
stopBrokerOnSignals()
let work = options.work ?? NSTemporaryDirectory() + "hoistwatch-fleet-\(getpid())"
try? FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
let broker = Broker(path: options.mosquitto, directory: work)
await broker.start()
report("boards: \(options.boards)")
report("network_loops (threads): \(options.loops)")
report("open_files_limit: \(fileLimit)")
report("events_per_board_per_phase: \(options.events)")

let subscriber = await Subscriber(port: broker.port)
let loops = (0..<options.loops).map { _ in MosquittoNetworkLoop() }
let startNs = monotonicNs()
var boards: [Board] = []
for index in 0..<options.boards {
    boards.append(Board(index: index, port: broker.port, directory: work, networkLoop: loops[index % loops.count]))
}
// Each board's outbox is a new SQLite database (created, WAL, fsync): most of the first storm's time at 2,000.
report("boards_started_s (outboxes made, links started): \(seconds(monotonicNs() - startNs))")
let first = await waitAllConnected(
    boards, since: startNs, timeoutS: options.connectTimeoutS,
    sessionsBefore: [Int64](repeating: 0, count: boards.count), broker: broker)
let timeoutText = "not all within \(Int(options.connectTimeoutS)) s"
report("first_connect_all_s: \(first.allConnectedNs.map(seconds) ?? timeoutText)")
report("first_connects_peak_per_s (the boards' session counters): \(first.connectsPeakPerSecond)")
report("descriptors_open_with_every_board_connected: \(openDescriptors())")

for board in boards { board.store(events: options.events, phase: "a") }
let phaseA = Int64(options.events)
let deliveredA = monotonicNs()
for _ in 0..<3000 where subscriber.boardsComplete(through: phaseA) < boards.count {
    try? await Task.sleep(for: .milliseconds(100))
}
report("phase_a_delivered_s: \(seconds(monotonicNs() - deliveredA))")
report("phase_a_boards_complete: \(subscriber.boardsComplete(through: phaseA)) of \(boards.count)")

progress("stopping the broker; \(options.events) more events per board wait in the outboxes")
subscriber.client.closeInBackground()
broker.stop()
for board in boards { board.store(events: options.events, phase: "b") }
try? await Task.sleep(for: .seconds(options.outageS))
await broker.start()
let restartNs = monotonicNs()
let restartS = Int(SystemClock.realtimeNs() / 1_000_000_000)
let after = await Subscriber(port: broker.port)
var sessionsAtRestart: [Int64] = []
for board in boards { sessionsAtRestart.append(await board.service.diagnostics().session) }
let again = await waitAllConnected(
    boards, since: restartNs, timeoutS: options.connectTimeoutS, sessionsBefore: sessionsAtRestart, broker: broker)
report("reconnect_all_s: \(again.allConnectedNs.map(seconds) ?? timeoutText)")
report("reconnects_peak_per_s (the boards' session counters): \(again.connectsPeakPerSecond)")
let connects = broker.connectsPerSecond(sinceS: restartS, clientPrefix: "fleet-")
report(
    "reconnects_at_broker: \(connects.values.reduce(0, +)) in \(connects.count) s, peak \(connects.values.max() ?? 0) per s"
)
// A new broker process since the restart: all its CPU time is the recovery's.
report(String(format: "broker_cpu_s_restart_to_all_back: %.2f", again.brokerCpuS))
report(String(format: "broker_cpu_busiest_second: %.0f%% of a core", again.brokerPeakCpuPerSecond * 100))
var drained = false
for _ in 0..<3000 {
    var waiting = 0
    for board in boards { waiting += (try? board.outbox.depth().count) ?? 1 }
    if waiting == 0 {
        drained = true
        break
    }
    try? await Task.sleep(for: .milliseconds(100))
}
let drainedNs = monotonicNs() - restartNs
report("outboxes_drained_s: \(drained ? seconds(drainedNs) : "no (300 s)")")
report(String(format: "broker_cpu_s_restart_to_drained: %.2f", broker.cpuSeconds()))
// The subscriber's session kept what the boards sent before it was back: every seq E+1...2E of every board.
let expected = Set((phaseA + 1)...(2 * phaseA))
for _ in 0..<300 where after.boardsComplete(with: expected, of: boards) < boards.count {
    try? await Task.sleep(for: .milliseconds(100))
}
report("phase_b_boards_every_seq_arrived: \(after.boardsComplete(with: expected, of: boards)) of \(boards.count)")
report("bench_cpu_s: \(String(format: "%.1f", processCpuSeconds()))")
for board in boards { board.service.triggerShutdown() }
for board in boards { _ = await board.task.result }
after.client.closeInBackground()
broker.stop()
try? FileManager.default.removeItem(atPath: work)
