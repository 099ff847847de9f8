import CMosquitto

/// What a `BrokerProbe` outcome means for the installer: passed or not, and one sentence naming the site config
/// key to fix for each common mistake (plain MQTT to a TLS port, TLS to a plain port, the wrong CA, the wrong
/// password, a closed port, a port that is not MQTT).
public struct BrokerProbeVerdict: Sendable, Hashable {
    /// Whether the broker took the connection.
    public var passed: Bool
    /// What happened and what to fix, for a person.
    public var detail: String

    /// The verdict on `outcome` of a probe made with `options` (which say whether TLS and a user name were set).
    public init(_ outcome: BrokerProbe.Outcome, options: MosquittoOptions) {
        let target = "\(options.host):\(options.port)"
        let tls = options.tls != nil
        switch outcome {
        case .connected:
            passed = true
            detail = "connected to \(target)\(tls ? " over TLS" : "") with the configured credentials"
        case .refused(let code, let reason) where code == 4 || code == 5:
            passed = false
            detail =
                options.username == nil
                ? "\(target) refused the connection (CONNACK \(code): \(reason)): the broker wants a user name and "
                    + "password; set broker.username and broker.password_file"
                : "\(target) refused user \"\(options.username ?? "")\" (CONNACK \(code): \(reason)): check "
                    + "broker.username and the password in broker.password_file"
        case .refused(let code, let reason):
            passed = false
            detail =
                code == 2
                ? "\(target) rejected the client id \"\(options.clientID)\" (CONNACK 2): check broker.client_id"
                : "\(target) refused the connection (CONNACK \(code): \(reason))"
        case .failed(let error):
            passed = false
            detail = Self.failure(error, target: target, tls: tls, caFile: options.tls?.caFile)
        case .timedOut(let seconds):
            passed = false
            detail =
                "no MQTT answer from \(target) within \(Self.seconds(seconds)) s: "
                + (tls
                    ? "the TLS handshake or the CONNECT got no reply; is it the broker's TLS port (usually 8883), "
                        + "and not blocked by a firewall? check broker.host and broker.port"
                    : "the TCP connection was not answered with MQTT (another service on that port, a firewall "
                        + "dropping packets, or a TLS port, usually 8883, while broker.tls_ca is not set); check "
                        + "broker.host and broker.port")
        }
    }

    private static func failure(_ error: MosquittoError?, target: String, tls: Bool, caFile: String?) -> String {
        let message = error?.message ?? ""
        let lower = message.lowercased()
        let lost =
            error == nil || error?.code == Int32(MOSQ_ERR_CONN_LOST.rawValue)
            || error?.code == Int32(MOSQ_ERR_PROTOCOL.rawValue)
        if lower.contains("connection refused") {
            return "nothing listens on \(target) (connection refused): check broker.host and broker.port, and that "
                + "the broker runs"
        }
        if lower.contains("certificate verify failed") {
            return "the certificate \(target) presented is not signed by the CA in broker.tls_ca (\(caFile ?? "")), "
                + "or is not for the name \"\(target.split(separator: ":").first ?? "")\": set broker.tls_ca to the "
                + "CA file the platform gives for its broker, and broker.host to a name in its certificate"
        }
        if tls, lost || error?.code == Int32(MOSQ_ERR_TLS.rawValue) {
            return "\(target) does not speak TLS (\(message.isEmpty ? "closed" : message)): it looks like a plain "
                + "MQTT port; use the broker's TLS port (usually 8883) in broker.port, or remove broker.tls_ca to "
                + "connect without TLS"
        }
        if !tls, lost {
            return "\(target) closed the connection without an MQTT answer: it looks like a TLS port (usually 8883); "
                + "set broker.tls_ca to the broker's CA file, or use its plain port (usually 1883) in broker.port"
        }
        if error?.code == Int32(MOSQ_ERR_EAI.rawValue) {
            return "cannot resolve the host of \(target) (\(message)): check broker.host and the board's DNS"
        }
        return "\(target): \(error?.description ?? "the connection closed before any answer")"
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))" : "\(value)"
    }
}
