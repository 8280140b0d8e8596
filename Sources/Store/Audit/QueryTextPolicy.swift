/// How much of a request's query text the audit log keeps (`--audit-query-text`).
public enum QueryTextPolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// The text itself (the default: auditors can read what was asked), up to
    /// ``fullTextLimit`` bytes.
    case full
    /// `sha256:<hex>` of the text: equal queries can be matched, none can be read.
    case hash
    /// Nothing.
    case none

    /// The most bytes of one query `full` keeps. The audit is a record of requests, not a
    /// transcript store, and every request leaves one — refused ones too, which cost their
    /// sender nothing: without a bound a tenant grew the log by a megabyte per 400. Longer
    /// text keeps its first bytes (whole characters) and a digest of all of it.
    public static let fullTextLimit = 16 * 1024

    /// The form of `text` this policy keeps.
    func apply(to text: String?) -> String? {
        guard let text else { return nil }
        switch self {
        case .full: return Self.bounded(text)
        case .hash: return "sha256:" + SHA256Hex.of(text)
        case .none: return nil
        }
    }

    /// `text`, or its first bytes up to the limit followed by
    /// `… [N bytes in all, sha256:<hex of all of it>]`.
    static func bounded(_ text: String) -> String {
        let length = text.utf8.count
        guard length > fullTextLimit else { return text }
        var kept = String.UnicodeScalarView()
        var bytes = 0
        for scalar in text.unicodeScalars {
            bytes += scalar.utf8.count
            guard bytes <= fullTextLimit else { break }
            kept.append(scalar)
        }
        return String(kept) + "… [\(length) bytes in all, sha256:\(SHA256Hex.of(text))]"
    }
}
