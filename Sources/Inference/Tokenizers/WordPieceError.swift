/// Why a WordPiece tokenizer could not be loaded.
public enum WordPieceError: Error, CustomStringConvertible, Equatable {
    /// The folder has neither `vocab.txt` nor a `tokenizer.json` with a WordPiece vocabulary.
    case noVocabulary(folder: String)
    /// A tokenizer file exists but could not be read or decoded.
    case unreadable(path: String, reason: String)
    /// A token the tokenizer needs (`[CLS]`, `[SEP]`, `[UNK]`) is not in the vocabulary.
    case missingToken(String)
    /// A setting makes no sense.
    case invalid(String)

    public var description: String {
        switch self {
        case .noVocabulary(let folder):
            return "\(folder) has no vocab.txt and no tokenizer.json with a WordPiece vocabulary"
        case .unreadable(let path, let reason):
            return "cannot read tokenizer file \(path): \(reason)"
        case .missingToken(let token):
            return "the vocabulary has no '\(token)' token"
        case .invalid(let reason):
            return "invalid tokenizer setting: \(reason)"
        }
    }
}
