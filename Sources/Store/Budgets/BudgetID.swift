import Tenancy

/// The opaque id of a budget (`bud_…`).
public struct BudgetID: PrefixedIdentifier {
    public static let prefix = "bud"
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}
