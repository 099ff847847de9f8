import Foundation

/// How much longer than at native speed the tests wait on the wall clock: `HOISTWATCH_TEST_WALL_CLOCK_SCALE` (a
/// number >= 1, default 1). `make verify-arm64` sets it, because under qemu-user a program runs many times slower
/// and a process that starts in 0.3 s natively takes seconds there. Only waits for something real to happen (a
/// process to start or end, a message to arrive) are scaled: what the tests assert of time measured on an injected
/// clock, and of the agent's own timers, is not.
public enum WallClockScale {
    /// The factor; 1 unless the environment sets a larger valid number.
    public static let factor: Double = {
        guard let text = ProcessInfo.processInfo.environment["HOISTWATCH_TEST_WALL_CLOCK_SCALE"],
            let value = Double(text), value.isFinite, value >= 1
        else { return 1 }
        return value
    }()

    /// `seconds` of waiting at native speed, scaled.
    public static func seconds(_ seconds: Double) -> Double { seconds * factor }
}
