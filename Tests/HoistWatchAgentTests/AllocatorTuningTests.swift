import Testing

@testable import HoistWatchAgent

/// glibc takes both settings (a libc that refused them would leave the agent with glibc's defaults: `make bench`
/// shows what that costs under a stream of alarms).
@Suite struct AllocatorTuningTests {
    @Test func glibcAcceptsTheFixedMmapThresholdAndTheArenaLimit() {
        #expect(AllocatorTuning.apply())
        #expect(AllocatorTuning.mmapThresholdBytes >= 128 * 1024)
        #expect(AllocatorTuning.arenaMax >= 1)
    }
}
