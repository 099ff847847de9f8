import CZstd

/// Zstandard (RFC 8878) from libzstd, wrapped once: whole buffers in, one frame out, and back. The frame records
/// its content size and a checksum of the content, so a subscriber can allocate once and knows a damaged payload.
public enum Zstd {
    /// What libzstd said when it failed: its error name (`ZSTD_getErrorName`) and code.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// The libzstd function that failed.
        public var function: String
        /// libzstd's own words for the error.
        public var message: String
        /// The function and libzstd's message.
        public var description: String { "\(function): \(message)" }
    }

    /// The 4 bytes every Zstandard frame starts with (0xFD2FB528, little-endian): how a subscriber tells a
    /// compressed payload from trace text, which starts with `{`.
    public static let magic: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]

    /// `bytes` as one Zstandard frame at `level` (1 to 19), with its content size and a content checksum
    /// (`ZSTD_compress2` on a context of its own, freed before returning).
    public static func compress(_ bytes: [UInt8], level: Int32) throws(Failure) -> [UInt8] {
        guard let context = ZSTD_createCCtx() else { throw Failure(function: "ZSTD_createCCtx", message: "no memory") }
        defer { ZSTD_freeCCtx(context) }
        try check(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level), "ZSTD_CCtx_setParameter")
        try check(ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1), "ZSTD_CCtx_setParameter")
        var output = [UInt8](repeating: 0, count: ZSTD_compressBound(bytes.count))
        let written = output.withUnsafeMutableBytes { out in
            bytes.withUnsafeBytes { input in
                ZSTD_compress2(context, out.baseAddress, out.count, input.baseAddress, input.count)
            }
        }
        try check(written, "ZSTD_compress2")
        output.removeSubrange(written...)
        return output
    }

    /// The content of one Zstandard frame (`ZSTD_getFrameContentSize`, then `ZSTD_decompress`); refuses a frame
    /// that does not say its size or says more than `limit` bytes.
    public static func decompress(_ frame: [UInt8], limit: Int = 64 << 20) throws(Failure) -> [UInt8] {
        let size = frame.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
        guard size != ZSTD_CONTENTSIZE_ERROR, size != ZSTD_CONTENTSIZE_UNKNOWN, size <= UInt64(limit) else {
            throw Failure(
                function: "ZSTD_getFrameContentSize", message: "not a frame of known size up to \(limit) bytes")
        }
        var output = [UInt8](repeating: 0, count: Int(size))
        let written = output.withUnsafeMutableBytes { out in
            frame.withUnsafeBytes { input in ZSTD_decompress(out.baseAddress, out.count, input.baseAddress, input.count)
            }
        }
        try check(written, "ZSTD_decompress")
        output.removeSubrange(written...)
        return output
    }

    private static func check(_ code: Int, _ function: String) throws(Failure) {
        guard ZSTD_isError(code) != 0 else { return }
        throw Failure(function: function, message: String(cString: ZSTD_getErrorName(code)))
    }
}
