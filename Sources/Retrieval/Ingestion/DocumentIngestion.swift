import Store

/// What ingesting one upload did, and the embedding tokens it is charged (0 when the document
/// was already stored unchanged): WordPiece tokens, special tokens included, each chunk
/// counted up to the model's cut — every chunk it stores, embedded or a copy of another chunk
/// of the upload, but for chunks kept from the document's previous version. The gateway's
/// limit stage charges the team for them.
public struct DocumentIngestion: Sendable {
    public let write: DocumentWrite
    public let chargedTokens: Int
    /// Chunks whose vectors were kept from the version of the document stored before (their
    /// heading path and text unchanged): not embedded again, not charged.
    public let reusedChunks: Int
}
