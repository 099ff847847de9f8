#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The agent's state folder (`state_dir`): created with its parents if missing, mode 700 (the outbox holds
/// everything the board reported).
public enum StateDirectory {
    public struct CreateError: Error, CustomStringConvertible {
        public var path: String
        public var errno: Int32
        public var description: String {
            "state_dir \(path): cannot create the folder: \(String(cString: strerror(errno)))"
        }
    }

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
