#if canImport(Glibc)
import Glibc
#endif

/// Standard output for people: each line written and flushed at once (a prompt must show before the wizard
/// waits for Enter), without Foundation's FileHandle.
enum Console {
    static func line(_ text: String) {
        write(text + "\n")
    }

    static func write(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let count = bytes.withUnsafeBytes { Glibc.write(1, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return }  // stdout closed: nothing more to say
            bytes = bytes.dropFirst(count)
        }
    }

    /// Sleeps the calling thread (the synchronous commands poll the agent's socket).
    static func sleep(milliseconds: Int) {
        usleep(useconds_t(milliseconds * 1000))
    }

    static var isTerminal: Bool { isatty(1) == 1 }
}
