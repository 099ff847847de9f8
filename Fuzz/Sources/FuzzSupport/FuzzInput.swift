import HoistWatchConfig
import HoistWatchCore
import HoistWatchFiles

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The fuzzer's input as the parsers meet it in the agent: a file. Each harness writes the bytes to one scratch file
/// of its process (in `/dev/shm` when there is one: no disk I/O per execution) and hands its path to the real
/// loader, so the read, the UTF-8 check and the errors naming the file are fuzzed too.
public enum FuzzInput {
    /// The scratch file of this process, made on first use and removed at exit.
    public static let path: String = {
        let folder = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        let file = "\(folder)/hoistwatch-fuzz-\(getpid()).input"
        atexit { unlink(FuzzInput.path) }
        return file
    }()

    /// Writes `count` bytes at `start` to `path`, replacing what was there; returns `path`.
    public static func write(_ start: UnsafeRawPointer?, _ count: Int) -> String {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        precondition(descriptor >= 0, "cannot write the fuzz input to \(path): errno \(errno)")
        var written = 0
        while written < count, let start {
            let result = Glibc.write(descriptor, start + written, count - written)
            precondition(result > 0 || errno == EINTR, "cannot write the fuzz input to \(path): errno \(errno)")
            if result > 0 { written += result }
        }
        close(descriptor)
        return path
    }

    /// Writes the input to `path` and hands the path to `load` (a real loader, e.g. `TextFile.calibration`): what it
    /// loaded, or nil when it refused the input, which it may, with an `InputError` that says why (never a trap).
    public static func loaded<Value>(
        _ start: UnsafeRawPointer?, _ count: Int, by load: (String) throws(InputError) -> Value
    ) -> Value? {
        let file = write(start, count)
        do {
            return try load(file)
        } catch {
            precondition(!error.message.isEmpty, "an InputError without a message: \(error)")
            return nil
        }
    }

    /// The bytes as an array (for parsers that take bytes).
    public static func bytes(_ start: UnsafeRawPointer?, _ count: Int) -> [UInt8] {
        guard let start, count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: start, count: count))
    }
}

/// The repository's own files, found from this source file's place (Fuzz/Sources/FuzzSupport/): what a harness needs
/// besides its input (the example calibrations a trace is replayed or a scenario simulated with).
public enum RepositoryFile {
    /// The repository's root folder.
    public static let root: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)
        return parts.joined(separator: "/")
    }()

    /// `relative` (e.g. `Calibration/elevator-example.toml`) under the repository's root.
    public static func path(_ relative: String) -> String { "\(root)/\(relative)" }

    /// The example calibration of each equipment (`Calibration/elevator-example.toml`, `crane-example.toml`): what
    /// a fuzzed trace is replayed or a fuzzed scenario simulated with.
    public static let exampleCalibrations: [Equipment: Calibration] = [
        .elevator: try! TextFile.calibration(path("Calibration/elevator-example.toml")),
        .crane: try! TextFile.calibration(path("Calibration/crane-example.toml")),
    ]
}
