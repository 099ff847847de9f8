import HoistWatchConfig

extension MosquittoOptions {
    /// Where and as whom the site config's `[broker]` says to connect: host, port, client id, keepalive, user name
    /// and TLS files, with `password` (read from its `password_file` by the caller; nil without one). `hoistwatch
    /// run` connects with these; `selftest` too, under a client id of its own.
    public init(broker: SiteConfig.Broker, password: String?) {
        self.init(
            host: broker.host, port: broker.port, clientID: broker.clientId, keepAliveS: broker.keepAliveS,
            username: broker.username, password: password,
            tls: broker.tlsCAFile.map { TLS(caFile: $0, certFile: broker.tlsCertFile, keyFile: broker.tlsKeyFile) })
    }
}
