#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A POSIX thread running one loop until asked to stop, then joined: the GPIO reader's and the load cell's.
/// Threads of their own (not Swift concurrency) because both block in system calls and must run promptly.
public final class StoppableThread: @unchecked Sendable {
    // @unchecked Sendable: `shared` is behind its own lock; `joining` serialises `stop`.
    private let shared = Locked(Shared())
    private let joining = Locked(())

    /// A thread not started yet.
    public init() {}

    private struct Shared {
        var stopRequested = false
        var thread: pthread_t?
        var running = false
    }

    /// Whether `stop` was called: the loop checks it between turns.
    public var isStopRequested: Bool { shared.withLock { $0.stopRequested } }

    /// Runs `body` on a new thread; 0, or pthread_create's error number (then nothing runs). Starting again while
    /// the body runs is a programming error (`what` names the owner in the trap).
    public func start(_ what: StaticString, _ body: @escaping @Sendable () -> Void) -> Int32 {
        let alreadyRunning = shared.withLock { state -> Bool in
            if state.running { return true }
            state.running = true
            state.stopRequested = false
            return false
        }
        precondition(!alreadyRunning, "\(what).start called twice")
        let shared = self.shared
        let context = Unmanaged.passRetained(Body {
            body()
            shared.withLock { $0.running = false }
        }).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, context)
        if rc == 0 {
            shared.withLock { $0.thread = thread }
        } else {
            Unmanaged<Body>.fromOpaque(context).release()
            shared.withLock { $0.running = false }
        }
        return rc
    }

    /// Asks the loop to stop and waits for the thread to end. Safe to call more than once (a second caller returns
    /// only once the thread has ended too), and from any thread but this one.
    public func stop() {
        joining.withLock { _ in
            let thread = shared.withLock { state -> pthread_t? in
                state.stopRequested = true
                defer { state.thread = nil }
                return state.thread
            }
            if let thread { pthread_join(thread, nil) }
        }
    }
}

/// The thread's closure, passed through `pthread_create`'s context pointer.
private final class Body: Sendable {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}
