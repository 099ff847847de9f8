import Foundation
import HoistWatchAgentTestSupport
import HoistWatchTestSupport
import Testing

@testable import HoistWatchAgent

/// The link over TLS against a Mosquitto TLS listener that requires client certificates.
@Suite struct TLSLinkTests {
    /// A TLS listener with the server certificate of `certs`; by default it also requires a client certificate.
    static func tlsBroker(_ certs: TestCertificates, requireCertificate: Bool = true) throws -> MosquittoBroker {
        try MosquittoBroker(
            extraConfig: """
                cafile \(certs.caFile)
                certfile \(certs.serverCert)
                keyfile \(certs.serverKey)
                require_certificate \(requireCertificate)
                allow_anonymous true
                """)
    }

    @Test func deliversOverTLSWithAClientCertificate() async throws {
        let certs = try await TestCertificates.make()
        let broker = try Self.tlsBroker(certs)
        try await broker.start()
        let tls = MosquittoOptions.TLS(caFile: certs.caFile, certFile: certs.clientCert, keyFile: certs.clientKey)
        let subscriber = try await TestSubscriber(port: broker.port, pattern: "\(EntryFactory.prefix)/#", tls: tls)
        defer { subscriber.close() }
        let dir = try TestDirectory()
        let outbox = try Outbox(path: dir.file("outbox.db"))
        let (logger, _) = capturingLogger()
        let clock = ManualClock()
        let (service, task) = MqttLinkServiceTests.startService(
            port: broker.port, outbox: outbox, logger: logger, tls: tls, clock: clock)
        try outbox.appendEvent { EntryFactory.event(.alarm, seq: $0) }
        #expect(await eventually { subscriber.messages(on: "/event").count == 1 })
        #expect(await MqttLinkServiceTests.eventuallyRetrying(service, clock) { (try? outbox.depth().count) == 0 })
        await MqttLinkServiceTests.stop(service, task)
    }

    @Test func refusesABrokerSignedByAnotherCA() async throws {
        let certs = try await TestCertificates.make()
        let otherCA = try await TestCertificates.make()
        let broker = try Self.tlsBroker(certs)
        try await broker.start()
        let dir = try TestDirectory()
        let outbox = try Outbox(path: dir.file("outbox.db"))
        try outbox.appendEvent { EntryFactory.event(.alarm, seq: $0) }
        let (logger, _) = capturingLogger()
        let tls = MosquittoOptions.TLS(
            caFile: otherCA.caFile, certFile: certs.clientCert, keyFile: certs.clientKey)
        // The backoff runs on a clock the test moves to each retry; the connect timeout (3 s of that clock) never
        // passes, so a failure is the handshake's own.
        let clock = ManualClock()
        let (service, task) = MqttLinkServiceTests.startService(
            port: broker.port, outbox: outbox, logger: logger, tls: tls, clock: clock)
        #expect(
            await MqttLinkServiceTests.eventuallyRetrying(service, clock) {
                await service.diagnostics().consecutiveFailures >= 2
            })
        let diagnostics = await service.diagnostics()
        #expect(diagnostics.acknowledged == 0)
        let lastError = diagnostics.lastError ?? ""
        #expect(lastError.contains("TLS"), "the failure is reported: \(lastError)")
        #expect(try outbox.depth().count == 1)
        await MqttLinkServiceTests.stop(service, task)
    }

    @Test func unreadableCAFileIsAClearError() throws {
        let options = MosquittoOptions(
            host: "127.0.0.1", port: 8883, clientID: "dev1", tls: .init(caFile: "/nonexistent/ca.crt"))
        let error = try #require(throws: MosquittoError.self) { _ = try MosquittoClient(options: options) }
        #expect(error.description.contains("mosquitto_tls_set"))
        #expect(error.description.contains("/nonexistent/ca.crt"))
    }
}
