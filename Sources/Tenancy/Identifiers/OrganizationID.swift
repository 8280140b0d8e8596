/// The opaque id of an organization (`org_…`).
public struct OrganizationID: PrefixedIdentifier {
    public static let prefix = "org"
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}
