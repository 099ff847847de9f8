import FoundationEssentials
import HoistWatchCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads small text files (calibration, scenario, config, board profile) with errors that name the file.
public enum TextFile {
    /// The file's UTF-8 text.
    ///
    /// Read with open(2)/read(2) so the error says what errno said: a file in a folder the user may not enter is
    /// "permission denied", not "does not exist" (stat fails with EACCES there too).
    public static func read(_ path: String) throws(InputError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw unreadable(path, errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw unreadable(path, errno)
            }
            bytes.append(contentsOf: chunk[0..<count])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw InputError(.syntax, file: path, "the file is not UTF-8 text")
        }
        return text
    }

    private static func unreadable(_ path: String, _ code: Int32) -> InputError {
        let reason =
            switch code {
            case ENOENT: "the file does not exist"
            case EACCES, EPERM:
                "permission denied: the file, or a folder above it, is not readable by this user "
                    + "(uid \(getuid())); a service's config is read through its group"
            case EISDIR: "this is a folder, not a file"
            default: "the file cannot be read: " + String(cString: strerror(code))
            }
        return InputError(.unreadable, file: path, reason)
    }

    /// `path` taken from the current directory unless absolute, without `.` components or doubled slashes.
    public static func absolutePath(_ path: String) -> String {
        let joined = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return "/" + joined.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }
}

/// read(2), named apart from `TextFile.read`.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}
