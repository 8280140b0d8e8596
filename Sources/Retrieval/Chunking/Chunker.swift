/// Splits a document into chunks of about `targetTokens` tokens along its structure.
///
/// - A chunk never spans two sections, so its heading path is exact.
/// - Whole paragraphs are packed together while they fit; a paragraph longer than the target
///   is cut at sentence ends, a sentence longer than the target at line breaks, then between
///   words, and a single word longer than the target (a hash, a URL) between characters.
/// - Each chunk after the first of a section begins with up to `overlapTokens` tokens from the
///   end of the one before — whole sentences where they fit, otherwise the last words — so a
///   thought cut at a boundary is still found whole.
/// - Every chunk counts at most `targetTokens` with `countTokens`, and holds at most
///   `bytesPerToken` bytes per token of the target: sizes are checked on the text as it will
///   be stored, not estimated. The result depends only on the input.
///
/// ```swift
/// let chunker = Chunker(targetTokens: 200, overlapTokens: 40, countTokens: tokenizer.count)
/// for chunk in chunker.chunks(of: document) { index(chunk.text, under: chunk.headingPath) }
/// ```
public struct Chunker: Sendable {
    /// The size a chunk aims for and never exceeds (at least 1).
    public var targetTokens: Int
    /// How many tokens of the previous chunk the next one repeats, so a sentence cut at a
    /// boundary is still found whole. At most half the target is used.
    public var overlapTokens: Int
    /// Counts tokens the way the embedding model will (callers pass the WordPiece tokenizer).
    public var countTokens: @Sendable (String) -> Int

    /// The chunk size servers use: 128 tokens with no overlap ranked best on both evaluation
    /// corpora and embeds the fewest tokens per document (README, "Retrieval quality and
    /// ingestion speed", where 128/0, 200/40 and 256/0 are compared).
    public static let standardTargetTokens = 128
    public static let standardOverlapTokens = 0

    public init(
        targetTokens: Int = Chunker.standardTargetTokens,
        overlapTokens: Int = Chunker.standardOverlapTokens,
        countTokens: @escaping @Sendable (String) -> Int = Chunker.approximateTokenCount
    ) {
        self.targetTokens = targetTokens
        self.overlapTokens = overlapTokens
        // Every `bytesPerToken` bytes count as a token at least: WordPiece counts a word of any
        // length past 100 characters as one unknown token, so an 8 MB run without a space was
        // one "fitting" chunk — returned whole by every search and breaking every prompt it
        // joined. Prose takes 4–6 bytes a token, so the floor only ever binds such runs.
        self.countTokens = { text in max(countTokens(text), (text.utf8.count + Self.bytesPerToken - 1) / Self.bytesPerToken) }
    }

    /// The most bytes a chunk holds per token of its target (2 KiB at 128 tokens).
    public static let bytesPerToken = 16

    /// About 4/3 tokens per word: close to WordPiece on English prose, for callers without a tokenizer.
    public static func approximateTokenCount(_ text: String) -> Int {
        var words = 0
        var inWord = false
        for scalar in text.unicodeScalars {
            // ASCII first: the Unicode property lookup is the slow part of counting.
            let isSpace = scalar.isASCII ? (scalar == " " || (0x09...0x0D).contains(scalar.value)) : scalar.properties.isWhitespace
            if !isSpace, !inWord { words += 1 }
            inWord = !isSpace
        }
        return (words * 4 + 2) / 3
    }

    /// The document's chunks in reading order, indexed from 0.
    public func chunks(of document: LoadedDocument) -> [TextChunk] {
        var chunks: [TextChunk] = []
        for section in document.sections {
            for text in chunkTexts(of: section.text) {
                chunks.append(TextChunk(index: chunks.count, text: text, headingPath: section.headingPath))
            }
        }
        return chunks
    }

    /// The chunks of one section's text.
    func chunkTexts(of text: String) -> [String] {
        var packer = ChunkPacker(
            target: max(1, targetTokens), overlap: min(max(0, overlapTokens), max(1, targetTokens) / 2),
            countTokens: countTokens)
        for (paragraph, content) in TextSplitter.paragraphs(of: text).enumerated() {
            for piece in pieces(of: content) { packer.add(ChunkPiece(paragraph: paragraph, text: piece)) }
        }
        return packer.finish()
    }

    /// A paragraph as pieces that each fit the target: itself when it fits, otherwise split
    /// one level finer at a time (sentences, lines, words, characters).
    private func pieces(of paragraph: Substring) -> [Substring] {
        let target = max(1, targetTokens)
        func fits(_ text: Substring) -> Bool { countTokens(text.trimmedForChunk) <= target }
        func split(_ text: Substring, levels: ArraySlice<TextSplitter.Level>) -> [Substring] {
            if fits(text) { return [text] }
            guard let level = levels.first else { return TextSplitter.characterPieces(of: text, fitting: fits) }
            let parts = TextSplitter.split(text, at: level)
            if parts.count == 1 { return split(text, levels: levels.dropFirst()) }
            return parts.flatMap { split($0, levels: levels.dropFirst()) }
        }
        return split(paragraph, levels: TextSplitter.Level.allCases[...])
    }
}
