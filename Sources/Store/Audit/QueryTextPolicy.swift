/// How much of a request's query text the audit log keeps (setting `full|hash|none`).
public enum QueryTextPolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// The text itself (the default: auditors can read what was asked).
    case full
    /// `sha256:<hex>` of the text: equal queries can be matched, none can be read.
    case hash
    /// Nothing.
    case none

    /// The form of `text` this policy keeps.
    func apply(to text: String?) -> String? {
        guard let text else { return nil }
        switch self {
        case .full: return text
        case .hash: return "sha256:" + SHA256Hex.of(text)
        case .none: return nil
        }
    }
}
