import Foundation
import HoistWatchBoard
import HoistWatchCore
import Testing

/// Recording: the backend on the fake board, through `TraceRecorder`, decoded again as replay would read it.
@Suite struct TraceRecorderTests {
    @Test func writesTheHeaderThenRelativeTimes() throws {
        var recorder = TraceRecorder(
            header: TraceHeader(equipment: .elevator, deviceId: "37010000000000000001", initialLevels: [.doorZone: 1]),
            originNs: 5_000_000_000, flushBytes: 1 << 20)
        var written: [UInt8] = []
        try recorder.append([.level(.doorZone, 0, atNs: 5_000_001_000), .level(.encA, 1, atNs: 5_000_002_000)]) {
            written += $0
        }
        #expect(written.isEmpty, "buffered until flushBytes")
        try recorder.flush { written += $0 }
        let lines = String(decoding: written, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("{\"format\":\"hoistwatch-trace\",\"version\":1,\"equipment\":\"elevator\""))
        #expect(lines[0].contains("\"levels\":{\"door_zone\":1}"))
        #expect(lines[1] == "{\"t_ns\":1000,\"line\":\"door_zone\",\"level\":0}")
        #expect(lines[2] == "{\"t_ns\":2000,\"line\":\"enc_a\",\"level\":1}")
        #expect(recorder.eventCount == 2)
    }

    @Test func timesNeverGoBackInTheTrace() throws {
        var recorder = TraceRecorder(
            header: TraceHeader(equipment: .crane, deviceId: "c"), originNs: 1_000,
            flushBytes: 1)
        var written: [UInt8] = []
        try recorder.append([
            .level(.windPulse, 1, atNs: 900), .level(.windPulse, 0, atNs: 3_000),
            .sample(.load, raw: 5, atNs: 2_500),
        ]) { written += $0 }
        let lines = String(decoding: written, as: UTF8.self).split(separator: "\n")
        #expect(
            lines.dropFirst().map { $0.split(separator: ",")[0] } == [
                "{\"t_ns\":0", "{\"t_ns\":2000", "{\"t_ns\":2000",
            ])
        #expect(recorder.clampedEvents == 2)
    }

    /// What `hoistwatch record` does on a board, with the fake kernel: the trace decodes as trace.md says, its
    /// initial levels are the first read's, its events the edges, relative to that read.
    @Test func aRecordingOfTheFakeBoardDecodesAsATrace() throws {
        let rig = FakeRig()
        let profile = try rig.shipped("raspberry-pi-4")
        let wired: Set<InputName> = [.encA, .encB, .doorClosed, .doorZone, .mainsOk]
        rig.board.setLevel(chip: rig.label, offset: profile.inputs[.doorClosed]!.offset, 0)
        rig.board.setLevel(chip: rig.label, offset: profile.inputs[.doorZone]!.offset, 1)
        rig.board.setLevel(chip: rig.label, offset: profile.inputs[.mainsOk]!.offset, 0)
        let backend = try rig.backend(wired, profile: profile)
        var encoder = rig.encoder(startNs: rig.board.currentNs + 1_000_000)
        var script = encoder.next(400, periodNs: 50_000)
        script.append(rig.edge(profile.inputs[.doorClosed]!.offset, atNs: encoder.lastNs + 10_000, level: 1))
        rig.board.script(script)

        var recorder = TraceRecorder(
            header: TraceHeader(
                equipment: .elevator, deviceId: "37010000000000000001",
                initialLevels: backend.initialLevels),
            originNs: backend.openedNs, flushBytes: 512)
        var written: [UInt8] = []
        let (events, _) = try BoardFixtures.drain(backend, rig.board)
        try recorder.append(events) { written += $0 }
        try recorder.flush { written += $0 }

        var decoder = TraceDecoder()
        var decoded: [InputEvent] = []
        for line in written.split(separator: 0x0A) {
            let event = try Array(line).withUnsafeBufferPointer { buffer throws(InputError) in
                try decoder.decode(buffer)
            }
            if let event { decoded.append(event) }
        }
        let header = try #require(decoder.header)
        #expect(header.initialLevels == [.encA: 0, .encB: 0, .doorClosed: 1, .doorZone: 0, .mainsOk: 1])
        #expect(decoded.count == 401)
        #expect(decoded.map(\.tNs) == script.map { $0.atNs - backend.openedNs })
        #expect(decoded.decoded().count == 400)
        #expect(decoded.last == .level(.doorClosed, 0, atNs: script.last!.atNs - backend.openedNs))
    }
}
