/// BERT's WordPiece tokenizer, matching Hugging Face `tokenizers` (BertNormalizer,
/// BertPreTokenizer, WordPiece, then the `[CLS] $A [SEP]` template).
///
/// Special tokens written literally in the text (`[CLS]`, `[SEP]`, `[MASK]`, …) are matched
/// before normalization, case-sensitively, as the reference's added-token handling does.
/// Each remaining word is split greedily into the longest vocabulary pieces, continuations
/// prefixed with `##`; a word with any unmatched part, or longer than 100 scalars, is one `[UNK]`.
///
/// ```swift
/// let tokenizer = try WordPieceTokenizer(folder: "models/minilm-l6", maxLength: 256)
/// tokenizer.encode("Hello, world!").ids   // [101, 7592, 1010, 2088, 999, 102]
/// ```
public struct WordPieceTokenizer: Sendable {
    /// The token of each id.
    public let tokens: [String]
    /// The longest encoding `encode` returns, `[CLS]` and `[SEP]` included.
    public let maxLength: Int
    public let classifierID: TokenID
    public let separatorID: TokenID
    public let unknownID: TokenID
    let configuration: WordPieceConfiguration
    let normalizer: BertNormalizer
    private let vocabulary: [String: TokenID]
    /// Special tokens matched literally in raw text, as scalars, longest first.
    private let specialTokens: [(scalars: [Unicode.Scalar], id: TokenID)]

    /// A tokenizer over `tokens` (the id of a token is its index).
    public init(tokens: [String], configuration: WordPieceConfiguration = WordPieceConfiguration(), maxLength: Int) throws {
        guard maxLength >= 2 else { throw WordPieceError.invalid("maximum length \(maxLength) leaves no room for [CLS] and [SEP]") }
        var vocabulary: [String: TokenID] = [:]
        vocabulary.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() { vocabulary[token] = TokenID(id) }
        func require(_ token: String) throws -> TokenID {
            guard let id = vocabulary[token] else { throw WordPieceError.missingToken(token) }
            return id
        }
        self.tokens = tokens
        self.vocabulary = vocabulary
        self.configuration = configuration
        self.maxLength = maxLength
        classifierID = try require(configuration.classifierToken)
        separatorID = try require(configuration.separatorToken)
        unknownID = try require(configuration.unknownToken)
        normalizer = BertNormalizer(
            cleanText: configuration.cleanText, splitChineseCharacters: configuration.splitChineseCharacters,
            stripAccents: configuration.stripAccents ?? configuration.lowercase, lowercase: configuration.lowercase)
        specialTokens = configuration.specialTokens.compactMap { token in
            vocabulary[token].map { (Array(token.unicodeScalars), $0) }
        }.sorted { $0.scalars.count > $1.scalars.count }
    }

    /// `[CLS] pieces [SEP]`, the pieces cut so the whole fits in `maxLength`.
    public func encode(_ text: String) -> WordPieceEncoding {
        let pieces = self.pieces(text)
        let kept = min(pieces.count, maxLength - 2)
        var ids: [TokenID] = []
        ids.reserveCapacity(kept + 2)
        ids.append(classifierID)
        ids.append(contentsOf: pieces[0..<kept])
        ids.append(separatorID)
        return WordPieceEncoding(
            ids: ids, attentionMask: Array(repeating: 1, count: ids.count),
            tokenTypeIDs: Array(repeating: 0, count: ids.count), untruncatedCount: pieces.count + 2)
    }

    /// How many tokens `text` takes untruncated, `[CLS]` and `[SEP]` included.
    public func countTokens(_ text: String) -> Int { pieces(text).count + 2 }

    /// The word-piece ids of `text`, without `[CLS]`/`[SEP]` and without truncation.
    public func pieces(_ text: String) -> [TokenID] {
        var ids: [TokenID] = []
        let scalars = Array(text.unicodeScalars)
        var segmentStart = 0
        var index = 0
        while index < scalars.count {
            if scalars[index] == "[", let special = specialToken(in: scalars, at: index) {
                appendPieces(of: scalars[segmentStart..<index], to: &ids)
                ids.append(special.id)
                index += special.length
                segmentStart = index
            } else {
                index += 1
            }
        }
        appendPieces(of: scalars[segmentStart..<scalars.count], to: &ids)
        return ids
    }

    /// The longest special token written at `index`, if any.
    private func specialToken(in scalars: [Unicode.Scalar], at index: Int) -> (id: TokenID, length: Int)? {
        for special in specialTokens where scalars[index...].starts(with: special.scalars) {
            return (special.id, special.scalars.count)
        }
        return nil
    }

    /// Normalizes a stretch of text free of special tokens and appends its word pieces.
    private func appendPieces(of text: ArraySlice<Unicode.Scalar>, to ids: inout [TokenID]) {
        guard !text.isEmpty else { return }
        let normalized = normalizer.normalize(text)
        for word in BertPreTokenizer.words(in: normalized) {
            appendWordPieces(of: normalized[word], to: &ids)
        }
    }

    /// Greedy longest-match-first split of one word; the whole word is `[UNK]` if any part fails.
    private func appendWordPieces(of word: ArraySlice<Unicode.Scalar>, to ids: inout [TokenID]) {
        guard word.count <= configuration.maxCharactersPerWord else { ids.append(unknownID); return }
        let firstPiece = ids.count
        var start = word.startIndex
        while start < word.endIndex {
            var end = word.endIndex
            var match: TokenID?
            while start < end {
                var candidate = start == word.startIndex ? "" : configuration.continuationPrefix
                candidate.unicodeScalars.append(contentsOf: word[start..<end])
                if let id = vocabulary[candidate] { match = id; break }
                end -= 1
            }
            guard let id = match else {
                ids.removeSubrange(firstPiece...)
                ids.append(unknownID)
                return
            }
            ids.append(id)
            start = end
        }
    }
}
