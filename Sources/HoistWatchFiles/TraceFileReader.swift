import HoistWatchCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams a trace file line by line in constant memory, whatever its length, through a `TraceDecoder`.
public struct TraceFileReader {
    /// Longest line accepted; anything longer is not a trace line and is refused rather than buffered.
    public static let maxLineBytes = 1 << 20
    /// Bytes asked of each `read`: what the reader touches in steady state (a partial line is carried over).
    private static let chunkBytes = 1 << 16

    private let path: String

    /// Reads `path` ("-" for standard input).
    public init(path: String) { self.path = path }

    /// Calls `onHeader` once, then `onEvent` for every event, in order. Errors carry the file and line.
    public func read(
        onHeader: (TraceHeader) throws(InputError) -> Void,
        onEvent: (InputEvent) throws(InputError) -> Void
    ) throws(InputError) {
        let descriptor: Int32 = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw InputError(.unreadable, file: path, "cannot open the trace: \(String(cString: strerror(errno)))")
        }
        defer { if descriptor != 0 { close(descriptor) } }
        var decoder = TraceDecoder()
        // Room for a carried-over partial line of up to `maxLineBytes` plus one chunk. Each read asks for one chunk
        // only, so the pages beyond what lines actually need are never touched (they do not count in the RSS).
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: Self.chunkBytes + Self.maxLineBytes)
        defer { buffer.deallocate() }
        var filled = 0
        var sawAnyLine = false
        do throws(InputError) {
            while true {
                let count = Self.readRetrying(
                    descriptor, buffer.baseAddress! + filled, min(Self.chunkBytes, buffer.count - filled))
                if count < 0 {
                    throw InputError(.unreadable, file: path, "read failed: \(String(cString: strerror(errno)))")
                }
                let end = filled + count
                var start = 0
                var scan = filled
                while scan < end {
                    guard let found = memchr(buffer.baseAddress! + scan, 0x0A, end - scan) else { break }
                    let newline = buffer.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))
                    let line = UnsafeBufferPointer(start: buffer.baseAddress! + start, count: newline - start)
                    sawAnyLine = true
                    try deliver(line, &decoder, onHeader, onEvent)
                    start = newline + 1
                    scan = start
                }
                if count == 0 {
                    if start < end {
                        sawAnyLine = true
                        try deliver(
                            UnsafeBufferPointer(start: buffer.baseAddress! + start, count: end - start),
                            &decoder, onHeader, onEvent)
                    }
                    break
                }
                let remaining = end - start
                if remaining > Self.maxLineBytes {
                    throw InputError(
                        .syntax, line: decoder.lineNumber + 1, "line longer than \(Self.maxLineBytes) bytes")
                }
                if start > 0 && remaining > 0 {
                    memmove(buffer.baseAddress!, buffer.baseAddress! + start, remaining)
                }
                filled = remaining
            }
        } catch {
            throw error.file == nil ? error.inFile(path) : error
        }
        if !sawAnyLine {
            throw InputError(.syntax, file: path, line: 1, "the trace is empty: line 1 must be the header")
        }
    }

    private func deliver(
        _ line: UnsafeBufferPointer<UInt8>, _ decoder: inout TraceDecoder,
        _ onHeader: (TraceHeader) throws(InputError) -> Void,
        _ onEvent: (InputEvent) throws(InputError) -> Void
    ) throws(InputError) {
        // A line that came in whole within one read can be longer than the carry-over check above lets through.
        guard line.count <= Self.maxLineBytes else {
            throw InputError(.syntax, line: decoder.lineNumber + 1, "line longer than \(Self.maxLineBytes) bytes")
        }
        if let event = try decoder.decode(line) {
            try onEvent(event)
        } else if let header = decoder.header, decoder.lineNumber == 1 {
            try onHeader(header)
        }
    }

    private static func readRetrying(_ descriptor: Int32, _ into: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
        while true {
            let result = Glibc.read(descriptor, into, count)
            if result < 0 && errno == EINTR { continue }
            return result
        }
    }
}
