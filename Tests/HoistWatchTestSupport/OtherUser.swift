import CFsuid
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Another user of this machine (`nobody` unless a test says), for tests of what a user without access is told.
///
/// Two ways to act as them, both needing root: `run` starts a program as them (`runuser`), `withFileAccess` has
/// the kernel check this thread's file accesses as theirs. Either way they must be able to reach what they open,
/// wherever the repository is cloned: a clone in `mktemp -d` (mode 700), or a CI work folder only its owner may
/// enter, keeps them from the build's own `hoistwatch`. So a test keeps everything they must open, the binary too
/// (`AgentProcess.executable(in:)`), in a `TestDirectory(reachableByOtherUsers: true)`.
public struct OtherUser: Sendable {
    /// The login name.
    public let name: String
    /// The user's id.
    public let uid: uid_t
    /// The user's primary group.
    public let gid: gid_t

    /// The user called `name`, from the password database.
    public init(_ name: String = "nobody") throws {
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwnam_r(name, &entry, &buffer, buffer.count, &found) == 0, found != nil else {
            throw TestSetupError(description: "no user \(name) on this machine")
        }
        self.name = name
        uid = entry.pw_uid
        gid = entry.pw_gid
    }

    /// Runs `program` with `arguments` as this user (`runuser -u`) to its exit; returns its exit status. Standard
    /// output and error go to `logFile`, which the test (not the user) creates and reads.
    public func run(_ program: String, _ arguments: [String], logFile: String) async throws -> Int32 {
        try await runProgramAsync("/usr/sbin/runuser", ["-u", name, "--", program] + arguments, logFile: logFile)
    }

    /// Runs `body` with this thread's file accesses checked as this user's, then switches back: setfsuid(2) and
    /// setfsgid(2) change the calling thread only, so the tests running beside this one keep root's access. For any
    /// user but root (only root may switch) `body` runs with the test's own access.
    public func withFileAccess<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        guard getuid() == 0 else { return try body() }
        let previousGid = setfsgid(gid)
        let previousUid = setfsuid(uid)
        defer {
            setfsuid(uid_t(previousUid))
            setfsgid(gid_t(previousGid))
            // An invalid id changes nothing and returns the current one: this thread must be root's again.
            precondition(setfsuid(uid_t.max) == previousUid, "the thread's file-system user was not restored")
        }
        precondition(setfsuid(uid_t.max) == Int32(bitPattern: uid), "setfsuid(\(uid)) did not take")
        return try body()
    }
}
