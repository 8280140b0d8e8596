/// The opaque id of a user (`usr_…`).
public struct UserID: PrefixedIdentifier {
    public static let prefix = "usr"
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}
