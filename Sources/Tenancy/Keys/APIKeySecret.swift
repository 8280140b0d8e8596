/// The secret value of an API key: `atr_` followed by 32 base62 characters (about 190
/// random bits). It exists in memory only between minting and showing it once; the store
/// keeps its ``hash`` and ``prefix``.
///
/// `description` is redacted, so interpolating a secret into a log line leaks only the prefix;
/// ``revealed`` is the one spelled-out way to read the value.
public struct APIKeySecret: Sendable, CustomStringConvertible {
    public static let marker = "atr_"
    /// Random characters after the marker; 32 × log2(62) ≈ 190 bits ≥ 128.
    public static let randomCharacters = 32
    /// How many characters a display prefix shows at most.
    public static let prefixLength = 12

    /// The key itself. Show it once to its holder; never store or log it.
    public let revealed: String

    private init(revealed: String) {
        self.revealed = revealed
    }

    /// A new random key from the system's cryptographic generator.
    public static func generate() -> APIKeySecret {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    /// A new key drawn from `generator` (tests pass a seeded one; production uses
    /// ``generate()``).
    public static func generate(using generator: inout some RandomNumberGenerator) -> APIKeySecret {
        APIKeySecret(revealed: marker + Base62.randomString(count: randomCharacters, using: &generator))
    }

    /// An operator-chosen key (`ATRIUM_ADMIN_KEY`): 8–256 printable characters, no spaces.
    public init(preset: String) throws(KeyFormatError) {
        guard preset.count >= 8, preset.count <= 256 else { throw .presetLength(preset.count) }
        guard preset.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }) else {
            throw .presetCharacters
        }
        self.init(revealed: preset)
    }

    /// The first characters, enough to recognise a key in a list, never enough to use it:
    /// at most ``prefixLength`` and at most a third of the key.
    public var prefix: String { Self.displayPrefix(of: revealed) }

    /// SHA-256 of the key: the form that is stored and looked up.
    public var hash: APIKeyHash { APIKeyHash(of: revealed) }

    public var description: String { "\(prefix)… (redacted)" }

    static func displayPrefix(of key: String) -> String {
        String(key.prefix(min(prefixLength, key.count / 3)))
    }
}

/// Why an operator-chosen key was refused.
public enum KeyFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    case presetLength(Int)
    case presetCharacters

    public var description: String {
        switch self {
        case let .presetLength(count):
            "a preset key must be 8 to 256 characters long, not \(count)"
        case .presetCharacters:
            "a preset key may only contain printable ASCII characters without spaces"
        }
    }
}
