import Foundation
import Inference

/// Reproducible text and vectors for `atrium bench-search`: words drawn from a made-up
/// vocabulary with a Zipf-like skew (so BM25 sees common and rare words as in real text), and
/// an embedder that maps each text to a pseudo-random unit vector seeded by its hash.
struct SyntheticCorpus {
    private var state: UInt64
    let vocabulary: [String]

    init(seed: UInt64, vocabularySize: Int = 20_000) {
        state = seed
        let syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "shi", "vo", "pe", "dra", "zu", "gen", "tor", "bal", "qui"]
        var words: [String] = []
        var generator = SplitMix(state: seed ^ 0x9E37_79B9_7F4A_7C15)
        while words.count < vocabularySize {
            let length = 2 + Int(generator.next() % 3)
            words.append((0..<length).map { _ in syllables[Int(generator.next() % UInt64(syllables.count))] }.joined())
        }
        vocabulary = words
    }

    /// `count` words; rank r is drawn with probability about 1/r (inverse-CDF of a log-uniform
    /// rank), so the first hundred words fill about half of the text, like English function words.
    mutating func words(_ count: Int) -> String {
        var generator = SplitMix(state: state)
        defer { state = generator.state }
        let size = Double(vocabulary.count)
        return (0..<count).map { _ in
            let uniform = Double(generator.next() >> 11) / Double(1 << 53)
            return vocabulary[min(vocabulary.count - 1, Int(pow(size, uniform)) - 1)]
        }.joined(separator: " ")
    }

    /// `count` distinctive words (ranks 100 and below, uniformly), as a heading or a question
    /// stripped of its common words would have.
    mutating func title(_ count: Int) -> String {
        var generator = SplitMix(state: state)
        defer { state = generator.state }
        return (0..<count).map { _ in
            vocabulary[100 + Int(generator.next() % UInt64(vocabulary.count - 100))]
        }.joined(separator: " ")
    }

    /// SplitMix64: small, fast, good enough for benchmark data.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}

/// A stand-in embedding model for the search benchmark: unit vectors seeded by a hash of the
/// text's first five words, so the search's own cost is measured without a model's (timed
/// separately), and a query made of a chunk's first five words finds that chunk.
struct SyntheticEmbedder: TextEmbedder {
    static let seedWords = 5

    let dimensions: Int
    let maxTokens = 256

    func countTokens(_ text: String) -> Int {
        text.split(separator: " ").count + 2
    }

    func embed(_ texts: [String]) throws -> [[Float]] {
        texts.map { text in
            let seed = text.split(separator: " ").prefix(Self.seedWords).joined(separator: " ")
            var generator = SyntheticCorpus.SplitMix(
                state: seed.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 })
            let raw = (0..<dimensions).map { _ in Float(Int64(bitPattern: generator.next()) >> 40) }
            let norm = raw.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return raw.map { $0 / max(norm, 1e-12) }
        }
    }
}
