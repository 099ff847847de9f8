import HoistWatchCore
import Testing

@testable import HoistWatchAgent
import HoistWatchConfig

/// Which mappings the start-up trim may give back (on smaps text), and the trim on this test process itself:
/// it gives back resident pages and the process goes on working (relocated data is never advised).
@Suite struct ResidentSetTrimTests {
    static let smaps = """
        55bad22d3000-55bad3b55000 r-xp 00000000 fd:01 131 /usr/bin/hoistwatch
        Size:              25096 kB
        Rss:               12228 kB
        Anonymous:             0 kB
        VmFlags: rd ex mr mw me sd
        55bad3b55000-55bad3bfd000 r--p 01881000 fd:01 131 /usr/bin/hoistwatch
        Rss:                 672 kB
        Anonymous:           640 kB
        VmFlags: rd mr mw me ac sd
        55bad3bfd000-55bad601e000 rw-p 01929000 fd:01 131 /usr/bin/hoistwatch
        Rss:                1740 kB
        Anonymous:          1004 kB
        VmFlags: rd wr mr mw me ac sd
        7f0000000000-7f0000100000 rw-p 00000000 00:00 0
        Rss:                1844 kB
        Anonymous:          1844 kB
        VmFlags: rd wr mr mw me ac sd
        7f1000000000-7f1000200000 r--p 00000000 fd:01 77 /usr/lib/x86_64-linux-gnu/libcrypto.so.3
        Rss:                 412 kB
        Anonymous:             0 kB
        THPeligible:    0
        VmFlags: rd mr mw me sd
        7f1000200000-7f1000300000 r--s 00000000 fd:01 78 /var/lib/hoistwatch/outbox.db-shm
        Rss:                   8 kB
        Anonymous:             0 kB
        VmFlags: rd mr me ms sd
        7f1000300000-7f1000400000 r-xp 00000000 fd:01 79 /usr/lib/x86_64-linux-gnu/libc.so.6
        Rss:                1500 kB
        Anonymous:             0 kB
        VmFlags: rd ex mr mw me lo sd
        7f1000400000-7f1000500000 r-xp 00000000 fd:01 80 /usr/lib/x86_64-linux-gnu/libm.so.6
        Rss:                   0 kB
        Anonymous:             0 kB
        VmFlags: rd ex mr mw me sd
        7ffc00000000-7ffc00002000 r-xp 00000000 00:00 0                          [vdso]
        Rss:                   8 kB
        Anonymous:             0 kB
        VmFlags: rd ex mr mw me de sd
        """

    @Test func smapsTextBecomesMappingsWithTheirResidentAndAnonymousSizes() {
        let mappings = ProcessMapping.parse(smaps: Self.smaps)
        #expect(mappings.count == 9)
        #expect(mappings[0] == ProcessMapping(
            start: 0x55bad22d3000, end: 0x55bad3b55000, permissions: "r-xp", path: "/usr/bin/hoistwatch", inode: 131,
            rssKb: 12228, anonymousKb: 0, flags: ["rd", "ex", "mr", "mw", "me", "sd"]))
        #expect(mappings[3].path == "")
        #expect(mappings[8].path == "[vdso]")
        #expect(mappings[4].rssKb == 412)
    }

    @Test func onlyPrivateReadOnlyFileMappingsWithoutAnyWrittenPageAreTrimmed() {
        let trimmable = ProcessMapping.parse(smaps: Self.smaps).filter(\.isTrimmable).map(\.start)
        // The binary's code and libcrypto's read-only data; not the relocated (anonymous) read-only data, not
        // writable data, not anonymous memory, not a shared mapping, not a locked one, not an empty one, not the
        // kernel's [vdso].
        #expect(trimmable == [0x55bad22d3000, 0x7f1000000000])
    }

    @Test func linesOfAnotherKernelAndGarbageAreSkipped() {
        let text = "garbage line\nRss: 12 kB\n" + Self.smaps + "\nSomeNewField:   3 kB\nnot-a-header r-xp\n"
        #expect(ProcessMapping.parse(smaps: text).count == 9)
        #expect(ProcessMapping.parse(smaps: "").isEmpty)
    }

    @Test func trimmingThisProcessGivesBackPagesAndItGoesOnWorking() throws {
        let before = ProcessMapping.parse(smaps: try #require(ResidentSetTrim.readProcFile("/proc/self/smaps")))
        let outcome = try #require(ResidentSetTrim.trim())
        #expect(outcome.mappings > 0)
        #expect(outcome.advisedKb > 0)
        let rssBefore = try #require(outcome.rssBeforeKb)
        let rssAfter = try #require(outcome.rssAfterKb)
        #expect(rssAfter < rssBefore)
        // Code, generics, protocol dispatch and relocated tables still work after the trim: parse again and
        // build an event payload, which goes through all of them.
        let after = ProcessMapping.parse(smaps: try #require(ResidentSetTrim.readProcFile("/proc/self/smaps")))
        // The trim unmaps nothing. Tests running beside this one map and unmap files meanwhile: dlopen maps
        // /etc/ld.so.cache while it looks a library up, and the GPIO tests dlopen and dlclose libgpiod.
        let comingAndGoing = { (path: String) in path == "/etc/ld.so.cache" || path.contains("/libgpiod.so") }
        let kept = Set(before.filter(\.isTrimmable).map(\.path)).filter { !comingAndGoing($0) }
        #expect(Set(after.map(\.path)).isSuperset(of: kept), "\(kept.subtracting(after.map(\.path)))")
        var data = EventData()
        data.set("speed_mps", 2.21, decimals: 2)
        let event = Event(id: "0193a5c2-7d1e-7b3a-9c4f-2b1e5d6f7a80", seq: 7, deviceId: "37010000000000000001",
                          type: .overspeed, transition: .raised, severity: .alarm, monoNs: 5_000_000_000,
                          bootId: "boot-a", wallNs: 5_000_000_000, timeSynced: true, data: data, raisedId: nil,
                          durationS: nil)
        let json = String(decoding: event.jsonBytes(), as: UTF8.self)
        #expect(json.contains(#""speed_mps":2.21"#))
        #expect(json.contains(#""type":"overspeed""#))
    }
}
