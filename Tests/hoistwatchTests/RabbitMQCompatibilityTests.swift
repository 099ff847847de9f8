import Foundation
import HoistWatchAgentTestSupport
import HoistWatchTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The agent and `hoistwatch listen` against RabbitMQ's MQTT plugin (README "Brokers"): only under `make
/// test-rabbitmq`, which starts a node of its own on loopback (scripts/rabbitmq-broker.sh) and names its MQTT port
/// in `HOISTWATCH_RABBITMQ_PORT`. What works as on Mosquitto (events gap-free, flight records, birth, the will on a
/// power cut) and the two differences a platform must know: retained messages reach only exact-topic subscriptions,
/// and a `.` in the topic prefix arrives as `/`.
@Suite(
    .serialized,
    .enabled(if: RabbitMQTestBroker.port != nil, "make test-rabbitmq sets HOISTWATCH_RABBITMQ_PORT"))
struct RabbitMQCompatibilityTests {
    static let topics = "\(AgentProcess.prefix)/\(AgentProcess.deviceId)"

    @Test(.timeLimit(.minutes(3)))
    func eventsRecordsBirthAndWillArriveAndRetainedStatusOnlyOnTheExactTopic() async throws {
        let port = try #require(RabbitMQTestBroker.port)
        let subscriber = try await TestSubscriber(
            port: port, pattern: "\(AgentProcess.prefix)/#", savesContractSamples: true)
        defer { subscriber.close() }
        let agent = try AgentProcess(port: port, scenario: "Scenarios/demo.toml", loop: false, timeScale: 25)
        try agent.start()
        let finished = await eventually(within: 90) { agent.log.contains("scenario finished") }
        #expect(finished, "scenario did not finish: \(agent.log.suffix(2000))")
        // RabbitMQ 3.10 speaks MQTT 3.1.1 only and closes an MQTT 5 CONNECT unanswered: the agent falls back.
        let logLines = agent.log.split(separator: "\n")
        let connected = logLines.first { $0.contains("MQTT link connected") }.map(String.init) ?? "none"
        #expect(connected.contains("mqtt.version=3.1.1"), "fell back to MQTT 3.1.1: \(connected)")
        #expect(logLines.contains { $0.contains("the next attempt speaks MQTT 3.1.1") }, "the fallback is logged")
        let stored = agent.log.components(separatedBy: "event stored").count - 1
        let events = { subscriber.messages(on: "/event").compactMap { jsonObject($0.payload) } }
        #expect(await eventually(within: 20) { events().count >= stored })
        #expect(stored >= 6)
        #expect(Set(events().compactMap { $0["seq"] as? Int }) == Set(1...max(stored, 1)), "seq gap-free")
        for alarm in events()
        where alarm["severity"] as? String == "alarm" && alarm["transition"] as? String == "raised" {
            let id = alarm["id"] as? String ?? "?"
            #expect(
                await eventually(within: 20) { subscriber.flightRecord(eventId: id) != nil },
                "flight record of \(alarm["type"] ?? "?")")
        }
        let births = subscriber.messages(on: "/status").compactMap { jsonObject($0.payload) }.filter {
            $0["kind"] as? String == "birth"
        }
        #expect(births.count == 1)

        // A power cut: RabbitMQ publishes the will.
        agent.kill(signal: SIGKILL)
        let will = await eventually(within: 20) {
            subscriber.messages(on: "/status").contains { jsonObject($0.payload)?["kind"] as? String == "will" }
        }
        #expect(will, "the will after SIGKILL")

        // The will is the retained status now: a late subscriber to the exact topic gets it, one with a wildcard
        // does not (RabbitMQ's retained store is looked up by the subscription's topic).
        let exact = try await TestSubscriber(port: port, pattern: "\(Self.topics)/status")
        defer { exact.close() }
        let wildcard = try await TestSubscriber(port: port, pattern: "\(AgentProcess.prefix)/+/status")
        defer { wildcard.close() }
        #expect(await eventually(within: 10) { exact.messages.contains { $0.retained } }, "retained, exact topic")
        #expect(wildcard.messages.isEmpty, "RabbitMQ now delivers retained messages to wildcard subscriptions too")

        // So `hoistwatch listen --device` (exact topics) learns a board's state on RabbitMQ.
        let directory = try TestDirectory("listen-rabbitmq")
        let out = directory.file("listen.jsonl")
        let code = try await ChildProgram.runAwaitingExit(
            AgentProcess.executable,
            ["listen", "--port", "\(port)", "--device", AgentProcess.deviceId, "--json", "--seconds", "3"],
            stdoutPath: out, stderrPath: directory.file("listen.err"))
        let lines = ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(code == 0)
        #expect(lines.contains { $0.contains(#""kind":"offline""#) }, "\(lines)")
    }

    @Test(.timeLimit(.minutes(2)))
    func aDotInTheTopicPrefixArrivesAsASlash() async throws {
        let port = try #require(RabbitMQTestBroker.port)
        let subscriber = try await TestSubscriber(port: port, pattern: "hwdot/v1/#")
        defer { subscriber.close() }
        let agent = try AgentProcess(
            port: port, scenario: "Scenarios/demo.toml", loop: false, timeScale: 1, topicPrefix: "hwdot.v1")
        try agent.start()
        let birth = await eventually(within: 30) {
            subscriber.messages.contains { $0.topic == "hwdot/v1/\(AgentProcess.deviceId)/status" }
        }
        #expect(birth, "the birth published on hwdot.v1/... arrives on hwdot/v1/...: \(subscriber.messages)")
        #expect(agent.kill(signal: SIGTERM) == 0)
    }
}

/// The RabbitMQ node `make test-rabbitmq` started: its MQTT port, from `HOISTWATCH_RABBITMQ_PORT`.
enum RabbitMQTestBroker {
    static let port = ProcessInfo.processInfo.environment["HOISTWATCH_RABBITMQ_PORT"].flatMap { Int($0) }
}
