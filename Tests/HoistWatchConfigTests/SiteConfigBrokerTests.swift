import Foundation
import Testing

@testable import HoistWatchConfig
@testable import HoistWatchCore

/// `[broker]`'s message size limit, backup brokers and MQTT version: values, defaults, and errors naming the key.
@Suite struct SiteConfigBrokerTests {
    static func site(_ brokerLines: String) throws(InputError) -> SiteConfig {
        let text = SiteConfigTests.minimal.replacingOccurrences(
            of: "host = \"broker.local\"", with: "host = \"broker.local\"\nport = 8883\n\(brokerLines)")
        return try SiteConfig.parse(toml: text, path: SiteConfigTests.path)
    }

    @Test func defaultsFitTheSmallestCommonPlatformLimitAndNameNoBackup() throws {
        let site = try Self.site("")
        #expect(site.broker.maxMessageBytes == 128 * 1024)
        #expect(site.broker.backups.isEmpty)
        #expect(site.broker.mqttVersion == .auto)
        #expect(site.birthTopic == "hoistwatch/v1/37010000000000000001/birth")
    }

    @Test func backupsTakeAHostAndAnOptionalPort() throws {
        let site = try Self.site(
            "max_message_bytes = 65536\nbackups = [\"b1.example\", \"10.0.0.2:18883\", \"[fd00::5]:1884\", \"[fd00::6]\"]"
        )
        #expect(site.broker.maxMessageBytes == 65536)
        #expect(
            site.broker.backups == [
                .init(host: "b1.example", port: 8883), .init(host: "10.0.0.2", port: 18883),
                .init(host: "fd00::5", port: 1884), .init(host: "fd00::6", port: 8883),
            ])
    }

    @Test(arguments: [("auto", MqttProtocolChoice.auto), ("5", .v5), ("3.1.1", .v311)])
    func theMqttVersionIsAutoFiveOr311(text: String, version: MqttProtocolChoice) throws {
        #expect(try Self.site("mqtt_version = \"\(text)\"").broker.mqttVersion == version)
    }

    @Test(arguments: [
        (
            "mqtt_version = \"3\"", "broker.mqtt_version",
            "must be \"auto\" (MQTT 5, falling back to 3.1.1), \"5\" or \"3.1.1\", got \"3\""
        ),
        ("mqtt_version = 5", "broker.mqtt_version", "expected a string"),
        ("max_message_bytes = 1000", "broker.max_message_bytes", "must be from 8192"),
        ("max_message_bytes = 300000000", "broker.max_message_bytes", "268435455"),
        ("max_message_bytes = \"big\"", "broker.max_message_bytes", "expected an integer"),
        ("backups = [\"b1:0\"]", "broker.backups", "entry \"b1:0\": the port must be from 1 to 65535"),
        ("backups = [\"b 1\"]", "broker.backups", "without spaces"),
        ("backups = [\"[fd00::1\"]", "broker.backups", "closing ']'"),
        ("backups = [\"\"]", "broker.backups", "host name"),
        ("backups = \"b1\"", "broker.backups", "expected an array of strings"),
        ("backups = [1]", "broker.backups[0]", "expected a string"),
    ])
    func badValuesNameTheKey(line: String, key: String, reason: String) {
        do {
            _ = try Self.site(line)
            Issue.record("accepted \(line)")
        } catch {
            #expect(error.key == key, "\(error)")
            #expect("\(error)".contains(reason), "\(error)")
        }
    }
}
