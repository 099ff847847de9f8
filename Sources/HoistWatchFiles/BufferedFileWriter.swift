import HoistWatchCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes bytes to a file (or standard output) through a fixed buffer; `close()` flushes and fsyncs files.
public final class BufferedFileWriter {
    private let descriptor: Int32
    private let path: String
    private var buffer: [UInt8] = []
    private let capacity: Int

    /// Opens `path` for writing, truncating it ("-" writes to standard output).
    public init(path: String, capacity: Int = 1 << 16) throws(InputError) {
        self.path = path
        self.capacity = capacity
        if path == "-" {
            descriptor = 1
        } else {
            descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw InputError(.unreadable, file: path, "cannot write: \(String(cString: strerror(errno)))")
            }
        }
        buffer.reserveCapacity(capacity)
    }

    /// Standard output.
    public static func standardOutput() -> BufferedFileWriter { try! BufferedFileWriter(path: "-") }

    /// Appends bytes, flushing when the buffer is full.
    public func write(_ bytes: [UInt8]) throws(InputError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= capacity { try flush() }
    }

    /// Writes out what is buffered.
    public func flush() throws(InputError) {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes {
                Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw InputError(.unreadable, file: path, "write failed: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs and closes a file (standard output is only flushed).
    public func close() throws(InputError) {
        try flush()
        guard descriptor != 1 else { return }
        fsync(descriptor)
        _ = Glibc.close(descriptor)
    }
}
