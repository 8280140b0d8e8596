/// The opaque id of a team (`team_…`).
public struct TeamID: PrefixedIdentifier {
    public static let prefix = "team"
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}
