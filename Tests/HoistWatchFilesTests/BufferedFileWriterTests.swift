import Foundation
import HoistWatchCore
import HoistWatchFiles
import HoistWatchTestSupport
import Testing

/// `BufferedFileWriter` on real files: every byte arrives in order whatever the buffer's size, nothing is written
/// before the buffer fills or is flushed, and a file that cannot be written is named.
@Suite struct BufferedFileWriterTests {
    static func contents(_ path: String) -> [UInt8] {
        FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []
    }

    @Test func writesEveryByteInOrderWhateverTheBufferSize() throws {
        let directory = try TestDirectory("writer")
        var expected: [UInt8] = []
        let writes = (0..<200).map { index in [UInt8](repeating: UInt8(index), count: index % 23) }
        for write in writes { expected += write }
        for capacity in [1, 7, 64, 1 << 16] {
            let path = directory.file("out-\(capacity).bin")
            let writer = try BufferedFileWriter(path: path, capacity: capacity)
            for write in writes { try writer.write(write) }
            try writer.close()
            #expect(Self.contents(path) == expected, "capacity \(capacity)")
        }
    }

    @Test func holdsBytesUntilTheBufferFillsOrIsFlushed() throws {
        let directory = try TestDirectory("writer")
        let path = directory.file("out.bin")
        let writer = try BufferedFileWriter(path: path, capacity: 8)
        try writer.write([1, 2, 3])
        #expect(Self.contents(path) == [], "written before the buffer was full")
        try writer.write([4, 5, 6, 7, 8, 9])
        #expect(Self.contents(path) == [1, 2, 3, 4, 5, 6, 7, 8, 9], "a full buffer goes out at once")
        try writer.write([10])
        try writer.flush()
        #expect(Self.contents(path) == Array(1...10))
        try writer.close()
        #expect(Self.contents(path) == Array(1...10))
    }

    @Test func truncatesAFileThatWasThere() throws {
        let directory = try TestDirectory("writer")
        let path = directory.file("trace.hwtrace.jsonl")
        try directory.write("trace.hwtrace.jsonl", String(repeating: "an older, longer trace\n", count: 100))
        let writer = try BufferedFileWriter(path: path)
        try writer.write(Array("short\n".utf8))
        try writer.close()
        #expect(Self.contents(path) == Array("short\n".utf8))
    }

    @Test func aFileThatCannotBeCreatedIsNamed() throws {
        let directory = try TestDirectory("writer")
        let path = directory.file("no-such-folder/out.hwtrace.jsonl")
        #expect(throws: InputError(.unreadable, file: path, "cannot write: No such file or directory")) {
            try BufferedFileWriter(path: path)
        }
    }
}
