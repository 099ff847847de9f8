import Foundation
import HoistWatchCore
import HoistWatchTestSupport
import Testing

/// docs/schemas/event.schema.json against the core's own lists: the contract names every event type the core can raise
/// and no other, each with the severities faults.md gives it. (The payloads themselves are validated against the
/// schemas by `make test`: scripts/contract.py.)
@Suite("Event schema")
struct EventSchemaTests {
    static func schema() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Repository.path("docs/schemas/event.schema.json")))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("the schema's types are exactly FaultType's, in the same order")
    func types() throws {
        let properties = try #require(try Self.schema()["properties"] as? [String: Any])
        let type = try #require(properties["type"] as? [String: Any])
        let names = try #require(type["enum"] as? [String])
        #expect(names == FaultType.allCases.map(\.rawValue))
    }

    @Test("each type's severities in the schema are the ones it has on an elevator and on a crane")
    func severities() throws {
        let defs = try #require(try Self.schema()["$defs"] as? [String: Any])
        let types = try #require(defs["types"] as? [String: [String: Any]])
        for fault in FaultType.allCases {
            let properties = try #require(types[fault.rawValue]?["properties"] as? [String: Any], "\(fault)")
            let severity = try #require(properties["severity"] as? [String: Any])
            let allowed = Set(try #require(severity["enum"] as? [String]))
            let expected = Set(Equipment.allCases.map { fault.severity(for: $0).rawValue })
            #expect(allowed == expected, "\(fault.rawValue)")
        }
    }
}
