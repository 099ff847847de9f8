extension SiteConfigCheck {
    /// What is valid but will not work on every broker (README "Brokers"): a `.` in `broker.topic_prefix`, which
    /// RabbitMQ's MQTT plugin turns into `/` (it maps MQTT's `/` to AMQP's `.` and back), so subscribers there would
    /// see the board's topics under another prefix. One sentence each; `check` prints them as warnings and still
    /// exits 0.
    public static func brokerWarnings(_ site: SiteConfig) -> [String] {
        var warnings: [String] = []
        if site.broker.topicPrefix.contains(".") {
            let rewritten = site.broker.topicPrefix.split(separator: ".", omittingEmptySubsequences: false)
                .joined(separator: "/")
            warnings.append(
                "key 'broker.topic_prefix': \"\(site.broker.topicPrefix)\" contains '.': RabbitMQ's MQTT plugin "
                    + "rewrites it to '/', so subscribers there see \"\(rewritten)/...\"; use '/' or '_' if the "
                    + "platform may run RabbitMQ")
        }
        return warnings
    }
}
