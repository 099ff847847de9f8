import CMalloc

/// glibc malloc settings for a process that runs for years with a small steady heap and an occasional large
/// buffer (an alarm's flight record is a few MB of trace text, built, stored, read back and published).
///
/// By default glibc raises its mmap threshold to the size of the largest block freed so far (up to 32 MB), so
/// after the first flight record every later one is carved out of a thread's arena, whose pages stay resident
/// after the free; and each thread that allocates gets an arena of its own (up to 8 per core), each keeping its
/// own free pages. Measured on the overspeed scenario looped: the heap in use is 2.7 MB between alarms, the
/// arenas held 20 MB.
public enum AllocatorTuning {
    /// Blocks of this size or more are mapped on their own and unmapped when freed (fixed: this also turns off
    /// glibc's dynamic threshold).
    public static let mmapThresholdBytes: Int32 = 256 * 1024
    /// At most this many arenas (the main one and one more for all other threads).
    public static let arenaMax: Int32 = 2

    /// Applies both settings; call once, before the agent's threads start. False when glibc refused one.
    @discardableResult
    public static func apply() -> Bool {
        let threshold = mallopt(M_MMAP_THRESHOLD, mmapThresholdBytes)
        let arenas = mallopt(M_ARENA_MAX, arenaMax)
        return threshold == 1 && arenas == 1
    }
}
