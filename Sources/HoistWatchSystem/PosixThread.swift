import CWake

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A POSIX thread of our own, not one of Swift concurrency's, and the one place the package calls `pthread_create`.
/// Two uses:
///
/// - An instance runs one loop until asked to stop, then is joined: the GPIO reader's and the load cell's, which
///   block in system calls and must run promptly (`start`, `isStopRequested`, `stop`).
/// - `detach` runs blocking work nobody joins (the detection loop, the diag socket's accept loop, the MQTT network
///   loop, closing an MQTT client), so that it does not hold a thread of Swift's cooperative pool.
public final class PosixThread: @unchecked Sendable {
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
        switch Self.create({
            body()
            shared.withLock { $0.running = false }
        }) {
        case .success(let thread):
            shared.withLock { $0.thread = thread }
            return 0
        case .failure(let error):
            shared.withLock { $0.running = false }
            return error.code
        }
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

    /// Runs `body` on a new detached thread (`pthread_detach`: nobody joins it); runs it inline if no thread can be
    /// made.
    public static func detach(_ body: @escaping @Sendable () -> Void) {
        if spawnDetached(body) != 0 { body() }
    }

    /// Runs `body` on a new detached thread (`pthread_detach`: nobody joins it), for work that must not run on the
    /// caller's thread (the MQTT network loop); 0, or pthread_create's error number (then nothing runs). `name`
    /// (`pthread_setname_np`, at most 15 bytes) is what `top -H` and `/proc/PID/task/TID/comm` show.
    public static func spawnDetached(named name: String? = nil, _ body: @escaping @Sendable () -> Void) -> Int32 {
        let named: @Sendable () -> Void = {
            if let name { hw_name_this_thread(String(name.utf8.prefix(15))!) }
            body()
        }
        switch create(named) {
        case .success(let thread):
            pthread_detach(thread)
            return 0
        case .failure(let error):
            return error.code
        }
    }

    /// pthread_create's error number.
    private struct CreateError: Error {
        var code: Int32
    }

    /// Starts `body` on a new joinable thread (`pthread_create`); on failure `body` is dropped unrun.
    private static func create(_ body: @escaping @Sendable () -> Void) -> Result<pthread_t, CreateError> {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue().body()
                return nil
            }, context)
        guard rc == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            return .failure(CreateError(code: rc))
        }
        return .success(thread)
    }
}

/// The thread's closure, passed through `pthread_create`'s context pointer.
private final class Body: Sendable {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}
