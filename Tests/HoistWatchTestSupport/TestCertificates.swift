import Dispatch
import Foundation

/// A throwaway CA with a server certificate for 127.0.0.1/localhost and a client certificate, made with the
/// `openssl` command line tool (EC P-256 keys: fast to generate).
public struct TestCertificates: Sendable {
    /// The temp folder holding the keys, requests and certificates; removed with the value.
    public let directory: TestDirectory
    /// The CA certificate (`ca.crt`): the broker's `cafile`, and the CA file a client verifies the broker with.
    public var caFile: String { directory.file("ca.crt") }
    /// The broker's certificate, for `localhost` and 127.0.0.1, signed by the CA.
    public var serverCert: String { directory.file("server.crt") }
    /// The broker's private key (P-256, unencrypted).
    public var serverKey: String { directory.file("server.key") }
    /// A client certificate (CN `dev1`, extended key usage client auth), signed by the CA.
    public var clientCert: String { directory.file("client.crt") }
    /// The client's private key (P-256, unencrypted).
    public var clientKey: String { directory.file("client.key") }

    /// `init()` on a thread outside Swift's cooperative pool: the four `openssl` runs wait for their processes, which
    /// on a loaded machine takes seconds, and a suite's tests beside it (their timers, the link's actor) need the pool.
    public static func make() async throws -> TestCertificates {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try TestCertificates() }) }
        }
    }

    /// Makes the CA and both certificates, valid for 2 days, with `/usr/bin/openssl`; throws `BrokerError` with
    /// openssl's log when a step fails.
    public init() throws {
        directory = try TestDirectory("certs")
        try directory.write("server.ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\n")
        try directory.write("client.ext", "extendedKeyUsage=clientAuth\n")
        try Self.openssl(
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", directory.file("ca.key"), "-out", caFile, "-days", "2", "-subj", "/CN=hoistwatch-test-ca",
            ],
            in: directory)
        for (name, subject) in [("server", "/CN=localhost"), ("client", "/CN=dev1")] {
            try Self.openssl(
                [
                    "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", directory.file("\(name).key"), "-out", directory.file("\(name).csr"), "-subj", subject,
                ],
                in: directory)
            try Self.openssl(
                [
                    "x509", "-req", "-in", directory.file("\(name).csr"), "-CA", caFile,
                    "-CAkey", directory.file("ca.key"), "-CAcreateserial", "-out", directory.file("\(name).crt"),
                    "-days", "2", "-extfile", directory.file("\(name).ext"),
                ],
                in: directory)
        }
    }

    private static func openssl(_ arguments: [String], in directory: TestDirectory) throws {
        let status = try runProgram("/usr/bin/openssl", arguments, logFile: directory.file("openssl.log"))
        guard status == 0 else {
            let log = (try? String(contentsOfFile: directory.file("openssl.log"), encoding: .utf8)) ?? ""
            throw MosquittoBroker.BrokerError(message: "openssl \(arguments.first ?? "") failed: \(log)")
        }
    }
}
