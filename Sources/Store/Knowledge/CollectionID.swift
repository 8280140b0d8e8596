import Tenancy

/// The opaque id of a knowledge collection (`col_…`).
public struct CollectionID: PrefixedIdentifier {
    public static let prefix = "col"
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}
