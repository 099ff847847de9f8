import HoistWatchAgentTestSupport
import HoistWatchTestSupport
import Testing

@testable import HoistWatchAgent

/// `hoistwatch selftest`'s broker check against real servers on loopback: one per common mistake, each answered
/// within the probe's time limit with a sentence that names what to fix.
@Suite struct BrokerProbeTests {
    static let timeoutS = 3.0

    static func options(
        port: Int, tls: MosquittoOptions.TLS? = nil, user: String? = nil, password: String? = nil
    )
        -> MosquittoOptions
    {
        MosquittoOptions(
            host: "127.0.0.1", port: port, clientID: "probe-\(port)", keepAliveS: 10, username: user,
            password: password, tls: tls)
    }

    static func tlsBroker(_ certs: TestCertificates) throws -> MosquittoBroker {
        try TLSLinkTests.tlsBroker(certs, requireCertificate: false)
    }

    /// Probes and checks the time limit held, whatever the server did.
    static func probe(_ options: MosquittoOptions) async -> (BrokerProbeVerdict, BrokerProbe.Outcome) {
        let start = ContinuousClock.now
        let outcome = await BrokerProbe.run(options: options, timeoutS: timeoutS)
        let elapsed = ContinuousClock.now - start
        // Loose: in the full pass the cooperative pool of this process is busy for many seconds with the suites
        // beside it, which delays even a closed port's answer. The time limit itself is on a dispatch timer (so the
        // outcome is right however late this task resumes) and is held to seconds by
        // SelftestCommandTests.theBrokerCheckEndsAtItsTimeoutOnAPortThatNeverAnswers, in a process of its own.
        #expect(elapsed < .seconds(60), "bounded: took \(elapsed)")
        return (BrokerProbeVerdict(outcome, options: options), outcome)
    }

    @Test func aBrokerThatTakesTheConnectionPasses() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let (verdict, outcome) = await Self.probe(Self.options(port: broker.port))
        #expect(outcome == .connected)
        #expect(verdict.passed && verdict.detail.contains("connected to 127.0.0.1:\(broker.port)"))
    }

    @Test func plainMqttToATLSPortSaysToSetTheCA() async throws {
        let certs = try await TestCertificates.make()
        let broker = try Self.tlsBroker(certs)
        try await broker.start()
        let (verdict, outcome) = await Self.probe(Self.options(port: broker.port))
        #expect(!verdict.passed)
        #expect(verdict.detail.contains("TLS port") && verdict.detail.contains("broker.tls_ca"), "\(outcome)")
    }

    @Test func tlsToAPlainPortSaysItDoesNotSpeakTLS() async throws {
        let certs = try await TestCertificates.make()
        let broker = try MosquittoBroker()
        try await broker.start()
        let (verdict, outcome) = await Self.probe(
            Self.options(port: broker.port, tls: .init(caFile: certs.caFile)))
        #expect(!verdict.passed)
        #expect(verdict.detail.contains("does not speak TLS") && verdict.detail.contains("broker.port"), "\(outcome)")
    }

    @Test func aCertificateOfAnotherCASaysToFixTheCAFile() async throws {
        let certs = try await TestCertificates.make()
        let other = try await TestCertificates.make()
        let broker = try Self.tlsBroker(certs)
        try await broker.start()
        let (verdict, outcome) = await Self.probe(Self.options(port: broker.port, tls: .init(caFile: other.caFile)))
        #expect(!verdict.passed)
        #expect(verdict.detail.contains("not signed by the CA in broker.tls_ca"), "\(outcome)")
    }

    @Test func aWrongPasswordNamesTheUserAndThePasswordFile() async throws {
        let dir = try TestDirectory()
        let passwords = dir.file("passwords")
        try runProgram("/usr/bin/mosquitto_passwd", ["-c", "-b", passwords, "board", "right-secret"])
        let broker = try MosquittoBroker(extraConfig: "allow_anonymous false\npassword_file \(passwords)")
        try await broker.start()
        let (verdict, outcome) = await Self.probe(
            Self.options(port: broker.port, user: "board", password: "wrong-secret"))
        #expect(!verdict.passed)
        #expect(verdict.detail.contains("refused user \"board\"") && verdict.detail.contains("broker.password_file"))
        #expect(!verdict.detail.contains("secret"), "no password in the sentence: \(outcome)")
    }

    @Test func aClosedPortSaysNothingListens() async throws {
        let port = try MosquittoBroker.freePort()
        let (verdict, outcome) = await Self.probe(Self.options(port: port))
        #expect(!verdict.passed)
        #expect(verdict.detail.contains("nothing listens on 127.0.0.1:\(port)"), "\(outcome)")
    }

    @Test func aPortThatNeverAnswersMqttEndsAtTheTimeLimit() async throws {
        let listener = try SilentListener()
        let (verdict, outcome) = await Self.probe(Self.options(port: listener.port))
        #expect(outcome == .timedOut(afterS: Self.timeoutS))
        #expect(!verdict.passed)
        #expect(verdict.detail.contains("no MQTT answer") && verdict.detail.contains("broker.port"))
    }
}
