import Foundation
import HoistWatchAgent
import HoistWatchCore
import HoistWatchTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `hoistwatch listen` as a process against a real Mosquitto on loopback, fed by a publisher that plays a board:
/// a retained birth, events with a retransmission and a seq gap that a late backlog event half fills, a status
/// counting a drop, a flight record, a message outside the contract, the will.
@Suite struct ListenCommandTests {
    static let device = AgentProcess.deviceId
    static let topics = "\(AgentProcess.prefix)/\(AgentProcess.deviceId)"

    static func event(seq: Int64, n: Int, historical: Bool = false) -> [UInt8] {
        var event = Event(
            id: "0193a5c2-7d1e-7b3a-9c4f-2b1e5d6f7a\(10 + n)", seq: seq, deviceId: device, type: .overload,
            transition: .raised, severity: .warning, monoNs: Int64(n) * 1_000_000_000,
            bootId: "5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b", wallNs: 1_795_000_000_000_000_000 + Int64(n) * 1_000_000,
            timeSynced: true, data: ["load_kg": .number(1164.7), "rated_kg": .number(1000)])
        event.historical = historical
        return event.jsonBytes()
    }

    static func status(kind: String, session: Int64?, warningsDropped: Int) -> [UInt8] {
        let sessionKey = session.map { ",\"session\":\($0)" } ?? ""
        return Array(
            """
            {"schema":"hoistwatch.status/1","device_id":"\(device)","online":true,"kind":"\(kind)"\(sessionKey),\
            "version":"0.1.0","equipment":"elevator","board":"sim","detectors_on":["overload"],"active_faults":[],\
            "counters":{"trips":3},"last_seq":0,"outbox":{"count":0},\
            "dropped":{"alarm":0,"warning":\(warningsDropped),"info":0,"status":0}}
            """.utf8)
    }

    /// Connects a publisher (a board of its own making) to `port`.
    static func publisher(port: Int) async throws -> MosquittoClient {
        let client = try MosquittoClient(
            options: MosquittoOptions(host: "127.0.0.1", port: port, clientID: "board-\(UInt32.random(in: 0...9999))"))
        let events = client.events
        try client.connect()
        var iterator = events.makeAsyncIterator()
        while let event = await iterator.next() {
            if event == .connected { return client }
            if case .disconnected = event { break }
        }
        throw MosquittoBroker.BrokerError(message: "the publisher did not connect")
    }

    @Test(.timeLimit(.minutes(1)))
    func theListenerDeduplicatesReportsGapsDropsRecordsAndWhoIsOnline() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        defer { broker.stop() }
        let board = try await Self.publisher(port: broker.port)
        defer { board.close() }
        // Retained before anyone listens: the listener learns the board is online from the broker's copy.
        _ = try board.publish(
            topic: "\(Self.topics)/status", payload: Self.status(kind: "birth", session: 2, warningsDropped: 0),
            retain: true)
        let directory = try TestDirectory("listen")
        let jsonPath = directory.file("listen.jsonl")
        let textPath = directory.file("listen.txt")
        let common = ["listen", "--port", "\(broker.port)"]
        let jsonListener = try ChildProgram.spawn(
            AgentProcess.executable, common + ["--json"], stdoutPath: jsonPath, stderrPath: directory.file("json.err"))
        let textListener = try ChildProgram.spawn(
            AgentProcess.executable, common + ["--device", Self.device], stdoutPath: textPath,
            stderrPath: directory.file("text.err"))
        func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        let bothOnline = await eventually(within: 15) {
            read(jsonPath).contains(#""kind":"online""#) && read(textPath).contains("board ONLINE")
        }
        #expect(bothOnline, "json:\n\(read(jsonPath))\ntext:\n\(read(textPath))")

        let record = """
            {"format":"hoistwatch-trace","version":1,"equipment":"elevator","device_id":"\(Self.device)","initial":{"levels":{}}}
            {"t_ns":0,"adc":"load","raw":84213}
            {"t_ns":500000000,"line":"door_closed","level":1}

            """
        let messages: [(String, [UInt8])] = [
            ("event", Self.event(seq: 1, n: 1)),
            ("event", Self.event(seq: 1, n: 1)),  // a retransmission after a lost PUBACK
            ("event", Self.event(seq: 5, n: 5)),  // 2, 3 and 4 not (yet) here
            ("event", Self.event(seq: 3, n: 3, historical: true)),  // from the backlog, late
            ("record/0193a5c2-7d1e-7b3a-9c4f-2b1e5d6f7a15", Array(record.utf8)),
            ("status", Self.status(kind: "periodic", session: nil, warningsDropped: 1)),
            ("event", Array("not json".utf8)),
            ("status", Array(#"{"schema":"hoistwatch.status/1","online":false,"kind":"will","session":2}"#.utf8)),
        ]
        for (suffix, payload) in messages {
            _ = try board.publish(topic: "\(Self.topics)/\(suffix)", payload: payload)
        }
        let sawAll = await eventually(within: 15) {
            read(jsonPath).contains(#""kind":"offline""#) && read(textPath).contains("board OFFLINE")
        }
        #expect(sawAll, "json:\n\(read(jsonPath))\ntext:\n\(read(textPath))")
        kill(jsonListener, SIGTERM)
        kill(textListener, SIGTERM)
        #expect(ChildProgram.waitForExit(jsonListener) == 0)
        #expect(ChildProgram.waitForExit(textListener) == 0)

        let lines = read(jsonPath).split(separator: "\n").map(String.init)
        let objects = lines.compactMap { jsonObject($0) }
        #expect(objects.count == lines.count, "every line is one JSON object:\n\(lines)")
        let kinds = objects.compactMap { $0["kind"] as? String }
        #expect(
            kinds == [
                "online", "status", "event", "duplicate", "event", "event", "record", "status", "drops", "unreadable",
                "offline", "summary",
            ], "\(lines.joined(separator: "\n"))")
        let outcomes = objects.filter { $0["kind"] as? String == "event" }.compactMap { $0["seq_outcome"] as? String }
        #expect(outcomes == ["first", "gap", "filled_gap"])
        let summary = try #require(objects.last?["boards"] as? [String: Any])
        let seen = try #require(summary[Self.device] as? [String: Any])
        #expect(seen["online"] as? Bool == false)
        #expect(seen["events"] as? Int == 3)
        #expect(seen["duplicates"] as? Int == 1)
        #expect((seen["missing"] as? [[Int]]) == [[2, 2], [4, 4]])
        #expect((seen["dropped"] as? [String: Int])?["warning"] == 1)
        #expect(seen["records"] as? Int == 1)
        let recordLine = try #require(objects.first { $0["kind"] as? String == "record" })
        #expect(recordLine["input_events"] as? Int == 2)

        let text = read(textPath)
        for expected in [
            "board ONLINE: elevator \(Self.device), software 0.1.0, session 2, 1 detectors on (retained birth)",
            "WARNING  OVERLOAD  load 1164.7 kg, rated 1000 kg   [\(Self.device) seq 1]",
            "duplicate of \(Self.device) seq 1", "seq gap on \(Self.device): 2-4 not received (yet)",
            "[\(Self.device) seq 3] (catch-up) (fills a seq gap)", "flight record for overload 0193a5c2-7d1e...",
            "DROPPED on \(Self.device): +1 warning", "(unreadable message on \(Self.topics)/event",
            "board OFFLINE: \(Self.device) (session 2)", "missing seq 2, 4",
        ] {
            #expect(text.contains(expected), "\(expected) not in:\n\(text)")
        }
    }

    @Test("exit codes: 2 for a bad config or option, 1 for a broker it cannot reach or that refuses the login")
    func exitCodes() async throws {
        let directory = try TestDirectory("listen-exit")
        let err = directory.file("err")
        func run(_ arguments: [String]) async throws -> (Int32, String) {
            try? FileManager.default.removeItem(atPath: err)
            let code = try await ChildProgram.runAwaitingExit(
                AgentProcess.executable, ["listen"] + arguments, stderrPath: err)
            return (code, (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
        }
        let missing = try await run(["--config", directory.file("nope.toml")])
        #expect(missing.0 == 2 && missing.1.contains("nope.toml"), "\(missing)")
        let wildcard = try await run(["--prefix", "hoistwatch/#"])
        #expect(wildcard.0 == 2 && wildcard.1.contains("--prefix"), "\(wildcard)")

        let closed = try MosquittoBroker.freePort()
        let unreachable = try await run(["--port", "\(closed)", "--connect-timeout-s", "5"])
        #expect(unreachable.0 == 1 && unreachable.1.contains("127.0.0.1:\(closed)"), "\(unreachable)")

        let passwords = directory.file("passwords")
        _ = try ChildProgram.run("/usr/bin/mosquitto_passwd", ["-c", "-b", passwords, "platform", "right-secret"])
        let broker = try MosquittoBroker(extraConfig: "allow_anonymous false\npassword_file \(passwords)")
        try await broker.start()
        defer { broker.stop() }
        let secret = directory.file("secret")
        try "wrong-secret\n".write(toFile: secret, atomically: true, encoding: .utf8)
        let refused = try await run([
            "--port", "\(broker.port)", "--username", "platform", "--password-file", secret, "--connect-timeout-s", "5",
        ])
        #expect(refused.0 == 1 && refused.1.contains("refused"), "\(refused)")
    }

    @Test("with --config it connects as the site config says: TLS with the CA, client certificate and key")
    func tlsFromTheSiteConfig() async throws {
        let certs = try TestCertificates()
        let broker = try MosquittoBroker(
            extraConfig: """
                cafile \(certs.caFile)
                certfile \(certs.serverCert)
                keyfile \(certs.serverKey)
                require_certificate true
                allow_anonymous true
                """)
        try await broker.start()
        defer { broker.stop() }
        let tls = MosquittoOptions.TLS(caFile: certs.caFile, certFile: certs.clientCert, keyFile: certs.clientKey)
        let board = try MosquittoClient(
            options: MosquittoOptions(host: "127.0.0.1", port: broker.port, clientID: "tls-board", tls: tls))
        defer { board.close() }
        let events = board.events
        try board.connect()
        var iterator = events.makeAsyncIterator()
        while let event = await iterator.next(), event != .connected {
            if case .disconnected = event { Issue.record("the TLS publisher did not connect") }
        }
        _ = try board.publish(
            topic: "\(Self.topics)/status", payload: Self.status(kind: "birth", session: 1, warningsDropped: 0),
            retain: true)

        let directory = try TestDirectory("listen-tls")
        try directory.write(
            "site.toml",
            """
            device_id = "\(Self.device)"
            board = "sim"
            calibration = "\(AgentProcess.repository)/Calibration/demo-elevator.toml"
            state_dir = "\(directory.file("state"))"
            [broker]
            host = "127.0.0.1"
            port = \(broker.port)
            tls_ca = "\(certs.caFile)"
            tls_cert = "\(certs.clientCert)"
            tls_key = "\(certs.clientKey)"
            [sim]
            scenario = "\(AgentProcess.repository)/Scenarios/demo.toml"

            """)
        chmod(directory.file("site.toml"), 0o600)
        let out = directory.file("listen.jsonl")
        let code = try await ChildProgram.runAwaitingExit(
            AgentProcess.executable, ["listen", "--config", directory.file("site.toml"), "--json", "--seconds", "3"],
            stdoutPath: out, stderrPath: directory.file("listen.err"))
        let output = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOfFile: directory.file("listen.err"), encoding: .utf8)) ?? ""
        #expect(code == 0, "\(errors)")
        #expect(output.contains(#""kind":"online","device_id":"\#(Self.device)","session":1"#), "\(output)\(errors)")
    }

}
