/// The base62 alphabet (`0-9A-Za-z`) used for key secrets and opaque ids: URL-safe, no
/// punctuation, easy to select with a double click.
enum Base62 {
    static let alphabet: [Character] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    /// Bits of entropy one uniformly drawn base62 character carries (log2 62).
    static let bitsPerCharacter = 5.954196310386876

    /// `count` characters, each drawn uniformly (no modulo bias: `random(in:)` rejects).
    static func randomString(count: Int, using generator: inout some RandomNumberGenerator) -> String {
        var characters: [Character] = []
        characters.reserveCapacity(count)
        for _ in 0..<count {
            characters.append(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)])
        }
        return String(characters)
    }

    static func isBase62(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber)
    }
}
