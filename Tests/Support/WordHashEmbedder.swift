import Inference

/// A test double for ``TextEmbedder``: each word adds ±1 to one of 64 dimensions chosen by a
/// hash of the word, then the vector is L2-normalized. Texts sharing words are similar, texts
/// sharing none are orthogonal-ish — enough for route tests that need no real model.
public struct WordHashEmbedder: TextEmbedder {
    public static let modelID = "word-hash"
    public let dimensions = 64
    public let maxTokens = 256

    public init() {}

    public func countTokens(_ text: String) -> Int {
        Self.words(text).count + 2
    }

    public func embed(_ texts: [String]) throws -> [[Float]] {
        texts.map { text in
            var vector = [Float](repeating: 0, count: dimensions)
            vector[0] = 0.01
            for word in Self.words(text) {
                let hash = word.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
                vector[Int(hash % UInt64(dimensions))] += hash & (1 << 40) == 0 ? 1 : -1
            }
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return vector.map { $0 / norm }
        }
    }

    static func words(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }
}
