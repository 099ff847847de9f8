import Foundation
import HoistWatchCore
import HoistWatchFiles
import HoistWatchTestSupport
import Testing

/// The buffered writer `record` and `simulate` write traces through: bytes reach the file in order, whether they
/// filled the buffer or were flushed at the end, and a file that cannot be created is named in the error.
struct BufferedFileWriterTests {
    @Test func writesEverythingInOrderThroughASmallBuffer() throws {
        let directory = try TestDirectory("files")
        let path = directory.file("out.txt")
        let writer = try BufferedFileWriter(path: path, capacity: 4)
        try writer.write(Array("abc".utf8))
        try writer.write(Array("defgh".utf8))  // fills the buffer: written now
        try writer.write(Array("ij".utf8))
        try writer.close()
        #expect(try TextFile.read(path) == "abcdefghij")
    }

    @Test func aFileThatCannotBeCreatedIsNamed() throws {
        let directory = try TestDirectory("files")
        let path = directory.file("missing/out.txt")
        #expect {
            _ = try BufferedFileWriter(path: path)
        } throws: { error in
            (error as? InputError)?.file == path && "\(error)".contains("cannot write")
        }
    }
}
