import Foundation
import Testing

@testable import HoistWatchConfig

/// `hoistwatch check`'s broker warnings: valid settings that some brokers change (README "Brokers").
@Suite struct BrokerWarningsTests {
    static func site(prefix: String) throws -> SiteConfig {
        try SiteConfig.parse(
            toml: SiteConfigTests.minimal.replacingOccurrences(
                of: "host = \"broker.local\"", with: "host = \"broker.local\"\ntopic_prefix = \"\(prefix)\""),
            path: SiteConfigTests.path)
    }

    @Test("a '.' in the topic prefix is a warning naming RabbitMQ's rewrite; '/' and '_' are not")
    func dotInPrefix() throws {
        let warnings = SiteConfigCheck.brokerWarnings(try Self.site(prefix: "cn.sd.jinan/hoistwatch"))
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("broker.topic_prefix") == true)
        #expect(warnings.first?.contains("\"cn/sd/jinan/hoistwatch/...\"") == true)
        #expect(SiteConfigCheck.brokerWarnings(try Self.site(prefix: "cn_sd/hoistwatch/v1")).isEmpty)
    }
}
