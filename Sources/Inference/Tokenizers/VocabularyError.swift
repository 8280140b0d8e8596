/// Why a GGUF's tokenizer metadata was refused. Every case names the key or value at fault.
public enum VocabularyError: Error, CustomStringConvertible, Equatable {
    case missingKey(String)
    case wrongType(key: String, expected: String)
    case unsupportedModel(String)
    case unknownPreTokenizer(String)
    case lengthMismatch(key: String, expected: Int, found: Int)
    case duplicateToken(text: String, first: TokenID, second: TokenID)
    case specialTokenMissing(flag: String, idKey: String)
    case emptyVocabulary

    public var description: String {
        switch self {
        case .missingKey(let key):
            return "the model's tokenizer metadata has no '\(key)'"
        case .wrongType(let key, let expected):
            return "the model's '\(key)' is not \(expected)"
        case .unsupportedModel(let model):
            return "tokenizer model '\(model)' is not supported (supported: 'gpt2' byte-level BPE, 'llama' SentencePiece)"
        case .unknownPreTokenizer(let name):
            return "unknown pre-tokenizer '\(name)' in tokenizer.ggml.pre (supported: "
                + BytePairSettings.knownNames.sorted().joined(separator: ", ") + ")"
        case .lengthMismatch(let key, let expected, let found):
            return "'\(key)' has \(found) entries, but the vocabulary has \(expected) tokens"
        case .duplicateToken(let text, let first, let second):
            return "token \(text.debugDescription) appears twice in the vocabulary (ids \(first) and \(second))"
        case .specialTokenMissing(let flag, let idKey):
            return "'\(flag)' is true, but '\(idKey)' names no token"
        case .emptyVocabulary:
            return "the model's vocabulary has no tokens"
        }
    }
}
