/// An opaque, random identifier with a readable kind prefix (`org_…`, `team_…`, `usr_…`, `key_…`).
///
/// Ids say *which* record, never *who may touch it*: holding an id grants nothing. Authority
/// comes only from a ``Principal`` or ``TenantScope`` built by ``KeyAuthenticator``.
public protocol PrefixedIdentifier: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible
where RawValue == String {
    /// The kind prefix, without the underscore (`"org"`).
    static var prefix: String { get }
    init(rawValue: String)
}

extension PrefixedIdentifier {
    /// A new id: the prefix, `_`, and 22 base62 characters (about 131 random bits).
    public static func random() -> Self {
        var generator = SystemRandomNumberGenerator()
        return Self(rawValue: "\(prefix)_" + Base62.randomString(count: 22, using: &generator))
    }

    /// Whether `text` has this kind's shape, so a name is never mistaken for an id.
    public static func looksLikeIdentifier(_ text: String) -> Bool {
        text.hasPrefix("\(prefix)_") && text.dropFirst(prefix.count + 1).allSatisfy(Base62.isBase62)
            && text.count > prefix.count + 1
    }

    public var description: String { rawValue }
}
