/// Splits a document into chunks of about `targetTokens` tokens along its structure.
public struct Chunker: Sendable {
    /// The size a chunk aims for.
    public var targetTokens: Int
    /// How many tokens of the previous chunk the next one repeats, so a sentence cut at a
    /// boundary is still found whole.
    public var overlapTokens: Int
    /// Counts tokens the way the embedding model will (callers pass the WordPiece tokenizer).
    public var countTokens: @Sendable (String) -> Int

    public init(
        targetTokens: Int = 200,
        overlapTokens: Int = 40,
        countTokens: @escaping @Sendable (String) -> Int = Chunker.approximateTokenCount
    ) {
        self.targetTokens = targetTokens
        self.overlapTokens = overlapTokens
        self.countTokens = countTokens
    }

    /// About 4/3 tokens per word: close to WordPiece on English prose, for callers without a tokenizer.
    public static func approximateTokenCount(_ text: String) -> Int {
        (text.split(whereSeparator: \.isWhitespace).count * 4 + 2) / 3
    }

    /// The document's chunks in reading order, indexed from 0.
    public func chunks(of document: LoadedDocument) -> [TextChunk] {
        var chunks: [TextChunk] = []
        for section in document.sections {
            var current: [Substring] = []
            var currentTokens = 0
            func flush() {
                guard !current.isEmpty else { return }
                chunks.append(TextChunk(index: chunks.count, text: current.joined(separator: "\n\n"), headingPath: section.headingPath))
                current = []
                currentTokens = 0
            }
            for paragraph in section.text.split(separator: "\n\n") where !paragraph.allSatisfy(\.isWhitespace) {
                let tokens = countTokens(String(paragraph))
                if currentTokens + tokens > targetTokens { flush() }
                current.append(paragraph)
                currentTokens += tokens
            }
            flush()
        }
        return chunks
    }
}
