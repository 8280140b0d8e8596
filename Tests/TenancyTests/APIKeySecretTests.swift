import Testing
@testable import Tenancy

/// Key format, entropy, hashing and constant-time comparison.
@Suite struct APIKeySecretTests {
    @Test func generatedKeyIsMarkerPlusAtLeast128BitsOfBase62() {
        let key = APIKeySecret.generate().revealed
        #expect(key.hasPrefix("atr_"))
        let body = key.dropFirst(4)
        #expect(body.count == APIKeySecret.randomCharacters)
        #expect(body.allSatisfy(Base62.isBase62))
        #expect(Double(body.count) * Base62.bitsPerCharacter >= 128)
    }

    @Test func generatedKeysUseTheWholeAlphabetEvenly() {
        var counts: [Character: Int] = [:]
        let keys = (0..<2000).map { _ in APIKeySecret.generate().revealed }
        #expect(Set(keys).count == keys.count)
        for key in keys { for character in key.dropFirst(4) { counts[character, default: 0] += 1 } }
        let expected = Double(2000 * APIKeySecret.randomCharacters) / 62
        #expect(counts.count == 62)
        // Each character's count is binomial around ~1032 (sd ~32): ±25% is > 8 sd.
        #expect(counts.values.allSatisfy { Double($0) > expected * 0.75 && Double($0) < expected * 1.25 })
    }

    @Test func hashIsSHA256OfTheKeyText() {
        #expect(APIKeyHash(of: "abc").hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let secret = APIKeySecret.generate()
        #expect(secret.hash.constantTimeEquals(APIKeyHash(of: secret.revealed)))
        #expect(APIKeyHash(hex: secret.hash.hex)?.constantTimeEquals(secret.hash) == true)
        #expect(APIKeyHash(hex: "xyz") == nil)
        #expect(APIKeyHash(hex: String(repeating: "g", count: 64)) == nil)
    }

    @Test func constantTimeComparisonComparesContentAndLength() {
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([9, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]))
        #expect(!APIKeyHash(of: "a").constantTimeEquals(APIKeyHash(of: "b")))
    }

    @Test func prefixIdentifiesButNeverRevealsTheKey() {
        let secret = APIKeySecret.generate()
        #expect(secret.prefix.count == APIKeySecret.prefixLength)
        #expect(secret.revealed.hasPrefix(secret.prefix))
        #expect(!secret.description.contains(secret.revealed))
        #expect(!"\(secret)".contains(secret.revealed.dropFirst(APIKeySecret.prefixLength)))
        let preset = try? APIKeySecret(preset: "shortpreset1")
        #expect(preset?.prefix.count == 4)
    }

    @Test func seededGeneratorIsReproducible() {
        var first = SeededGenerator(seed: 7)
        var second = SeededGenerator(seed: 7)
        #expect(APIKeySecret.generate(using: &first).revealed == APIKeySecret.generate(using: &second).revealed)
    }

    @Test func presetKeyMustBeLongAndPrintable() throws {
        #expect(throws: KeyFormatError.presetLength(5)) { try APIKeySecret(preset: "short") }
        #expect(throws: KeyFormatError.presetCharacters) { try APIKeySecret(preset: "has a space in it") }
        #expect(try APIKeySecret(preset: "atr_operator-chosen-key").revealed == "atr_operator-chosen-key")
    }

    @Test func identifiersAreRandomPrefixedAndRecognisable() {
        let id = TeamID.random()
        #expect(id.rawValue.hasPrefix("team_"))
        #expect(id.rawValue.count == 5 + 22)
        #expect(TeamID.looksLikeIdentifier(id.rawValue))
        #expect(!TeamID.looksLikeIdentifier("sales"))
        #expect(TeamID.random() != id)
    }
}

/// SplitMix64: a deterministic generator for reproducibility tests only.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
