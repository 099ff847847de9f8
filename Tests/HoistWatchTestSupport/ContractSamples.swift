import Foundation
import Synchronization

/// Saves the messages the agent publishes in the tests, for `make test` to validate against the contract's JSON Schemas
/// (`scripts/contract.py validate`, docs/schemas). Only while `HOISTWATCH_CONTRACT_SAMPLES` names a folder (`make
/// test` sets it); otherwise nothing is written. One file per message: the topic, a newline, the payload's bytes.
public enum ContractSamples {
    /// The environment variable that names the folder.
    public static let environmentVariable = "HOISTWATCH_CONTRACT_SAMPLES"

    private static let folder: String? = {
        guard let path = ProcessInfo.processInfo.environment[environmentVariable], !path.isEmpty else { return nil }
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()
    private static let counter = Atomic<Int>(0)
    private static let run = UInt32.random(in: 0...UInt32.max)

    /// Whether messages are being saved.
    public static var isEnabled: Bool { folder != nil }

    /// Saves one message as published on `topic` (a no-op unless enabled). A failure to write is ignored: the
    /// validation step then finds fewer messages, and fails if a required kind is missing.
    public static func save(topic: String, payload: some Collection<UInt8>) {
        guard let folder else { return }
        let number = counter.add(1, ordering: .relaxed).newValue
        let name = String(format: "%@/%d-%08x-%06d.msg", folder, getpid(), run, number)
        var bytes = Array(topic.utf8)
        bytes.append(0x0A)
        bytes.append(contentsOf: payload)
        _ = FileManager.default.createFile(atPath: name, contents: Data(bytes))
    }
}
