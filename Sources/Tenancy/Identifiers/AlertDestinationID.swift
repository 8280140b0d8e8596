/// The opaque id of an alert destination, a webhook that receives security alerts (`dst_…`).
public struct AlertDestinationID: PrefixedIdentifier {
    public static let prefix = "dst"
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}
