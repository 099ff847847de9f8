import Foundation
import HoistWatchCore
import HoistWatchFiles
import HoistWatchTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `TextFile.read` on real files: the text as it is, and errors that name the file and say what errno said.
@Suite struct TextFileTests {
    @Test func readsTheWholeTextAcrossReads() throws {
        let directory = try TestDirectory("text-file")
        // Longer than one read of 16 KiB, with a 3-byte character split between the first read and the second.
        let text = String(repeating: "a", count: 16_383) + "✓" + String(repeating: "Türzone\n", count: 3_000)
        try directory.write("long.toml", text)
        #expect(try TextFile.read(directory.file("long.toml")) == text)
        try directory.write("empty.toml", "")
        #expect(try TextFile.read(directory.file("empty.toml")) == "")
    }

    @Test func aMissingFileIsSaidToNotExist() throws {
        let directory = try TestDirectory("text-file")
        let path = directory.file("calibration.toml")
        #expect(throws: InputError(.unreadable, file: path, "the file does not exist")) {
            try TextFile.read(path)
        }
    }

    /// A file in a folder the user may not enter: "permission denied", never "does not exist" (a `stat` of the
    /// path fails there too, which is how an unreadable config was once reported as missing). As root the read is
    /// checked as `nobody`'s; for any other user the folder (mode 000) is closed to its owner as well.
    @Test func aFileInAFolderTheUserMayNotEnterIsPermissionDenied() throws {
        let directory = try TestDirectory("text-file")
        let folder = directory.file("closed")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let path = folder + "/site.toml"
        try "device_id = \"x\"\n".write(toFile: path, atomically: false, encoding: .utf8)
        chmod(folder, 0o000)
        defer { chmod(folder, 0o700) }
        let denied = try OtherUser("nobody").withFileAccess { () -> InputError? in
            do throws(InputError) {
                _ = try TextFile.read(path)
                return nil
            } catch {
                return error
            }
        }
        let error = try #require(denied, "read a file in a folder of mode 000 as another user")
        #expect(error.code == .unreadable)
        #expect(error.file == path)
        #expect(error.message.hasPrefix("permission denied"), "\(error)")
        #expect(error.description.hasPrefix("\(path): permission denied"), "\(error)")
        if getuid() == 0 {
            // Root itself still reads it: the denial was the other user's, and this thread is root's again.
            #expect(try TextFile.read(path) == "device_id = \"x\"\n")
        }
    }

    /// The reason comes from errno: a folder, a file that is not UTF-8.
    @Test func readErrorsSayWhatErrnoSaid() throws {
        let directory = try TestDirectory("text-file")
        #expect(throws: InputError(.unreadable, file: directory.path, "this is a folder, not a file")) {
            try TextFile.read(directory.path)
        }
        let binary = directory.file("binary.toml")
        _ = FileManager.default.createFile(atPath: binary, contents: Data([0x61, 0xFF, 0xFE]))
        #expect(throws: InputError(.syntax, file: binary, "the file is not UTF-8 text")) {
            try TextFile.read(binary)
        }
    }

    @Test func absolutePathsLoseDotsAndDoubledSlashes() {
        #expect(TextFile.absolutePath("/etc//hoistwatch/./site.toml") == "/etc/hoistwatch/site.toml")
        let here = FileManager.default.currentDirectoryPath
        #expect(TextFile.absolutePath("./Board/site.toml") == here + "/Board/site.toml")
        #expect(TextFile.absolutePath("Board//profiles/") == here + "/Board/profiles")
        // Only `.` and empty components go; `..` is left to the file system.
        #expect(TextFile.absolutePath("/a/b/../c") == "/a/b/../c")
    }
}
