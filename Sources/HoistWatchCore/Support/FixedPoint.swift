/// `printf("%+W.Df")` without Foundation: a number with a fixed count of decimals, optionally signed and
/// right-aligned. For the command line's human-readable output; `rounded` for the numbers payloads carry.
public enum FixedPoint {
    /// `value` rounded to `decimals` places (halves away from zero): payloads stay short and readable.
    public static func rounded(_ value: Double, decimals: Int) -> Double {
        var scale = 1.0
        for _ in 0..<max(0, decimals) { scale *= 10 }
        return (value * scale).rounded() / scale
    }

    /// `value` rounded to `decimals` decimals, with a `+` before positive values when `sign` is set, padded on the left
    /// with spaces to `width` characters (`nan`, `inf`, `-inf` for values that are not finite). A value that rounds to
    /// zero has no minus sign.
    public static func format(_ value: Double, decimals: Int, sign: Bool = false, width: Int = 0) -> String {
        var text: String
        var scale = 1.0
        for _ in 0..<max(0, decimals) { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        if !value.isFinite {
            text = value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf")
        } else if !(scaled < 9e18) {
            // More digits than a UInt64 holds (any Int conversion would trap): Swift's own form, like `1e+20`.
            text = (value > 0 && sign ? "+" : "") + "\(value)"
        } else {
            let negative = value < 0 && scaled != 0
            var digits = String(UInt64(scaled))
            if decimals > 0 {
                if digits.count <= decimals {
                    digits = String(repeating: "0", count: decimals - digits.count + 1) + digits
                }
                digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -decimals))
            }
            text = (negative ? "-" : (sign ? "+" : "")) + digits
        }
        if text.count < width { text = String(repeating: " ", count: width - text.count) + text }
        return text
    }
}
