import Inference
import Synchronization

/// A test double for ``TextEmbedder`` with meanings chosen by the test: texts in its table get
/// the given direction (padded to 64 dimensions and normalized, so a test sets cosine
/// similarities exactly), any other text ``WordHashEmbedder``'s vector. It counts the texts it
/// was asked to embed, and reads at most `maxTokens` tokens (one per word, plus two).
public final class TestDoubleEmbedder: TextEmbedder {
    public let dimensions = 64
    public let maxTokens: Int
    private let table: [String: [Float]]
    private let embedded = Mutex<[String]>([])

    public init(_ table: [String: [Float]] = [:], maxTokens: Int = 256) {
        self.table = table.mapValues(Self.direction)
        self.maxTokens = maxTokens
    }

    /// Every text embedded so far, in order.
    public var texts: [String] { embedded.withLock { $0 } }

    public func countTokens(_ text: String) -> Int {
        text.split(whereSeparator: \.isWhitespace).count + 2
    }

    public func embed(_ texts: [String]) throws -> [[Float]] {
        embedded.withLock { $0 += texts }
        return try texts.map { text in try table[text] ?? WordHashEmbedder().embed([text])[0] }
    }

    /// `components` padded with zeros to 64 and scaled to length 1.
    public static func direction(_ components: [Float]) -> [Float] {
        let padded = components + [Float](repeating: 0, count: 64 - components.count)
        let norm = padded.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return padded.map { $0 / norm }
    }
}
