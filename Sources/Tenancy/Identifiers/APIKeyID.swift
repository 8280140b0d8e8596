/// The opaque id of an API key (`key_…`).
public struct APIKeyID: PrefixedIdentifier {
    public static let prefix = "key"
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}
