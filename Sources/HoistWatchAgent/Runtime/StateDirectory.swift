#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The agent's state folder (`state_dir`): created with its parents if missing, mode 700 (the outbox holds
/// everything the board reported).
public enum StateDirectory {
    /// A folder of `state_dir` that `mkdir` could not make, with its errno.
    public struct CreateError: Error, CustomStringConvertible {
        /// The folder that failed: `state_dir` itself or the first missing parent that could not be made.
        public var path: String
        /// The errno `mkdir` left (`EACCES`, `EROFS`, `ENOSPC`, ...).
        public var errno: Int32
        /// Names `state_dir`, the folder and `strerror`'s text, for the message the agent exits with.
        public var description: String {
            "state_dir \(path): cannot create the folder: \(String(cString: strerror(errno)))"
        }
    }

    /// Makes every missing folder of `path` with `mkdir` (mode 700, less the umask). A folder that exists is left as it
    /// is, mode included. `path` is taken from `/` whether or not it starts with one: the site config has made it
    /// absolute.
    public static func create(_ path: String) throws(CreateError) {
        var prefix = ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw CreateError(path: prefix, errno: errno)
            }
        }
    }
}
