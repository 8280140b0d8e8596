/// A text encoded for a BERT model: `[CLS] pieces… [SEP]`, cut to the maximum length.
public struct WordPieceEncoding: Sendable, Equatable {
    /// Token ids, starting with `[CLS]` and ending with `[SEP]`.
    public var ids: [TokenID]
    /// 1 for every token that is attended to; an unpadded encoding is all ones.
    public var attentionMask: [Int32]
    /// The segment of each token; a single text is all segment 0.
    public var tokenTypeIDs: [Int32]
    /// How many tokens the text would take without truncation, `[CLS]` and `[SEP]` included.
    public var untruncatedCount: Int

    public var isTruncated: Bool { untruncatedCount > ids.count }
}
