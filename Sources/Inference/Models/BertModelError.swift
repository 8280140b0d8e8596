/// Why a BERT model folder was refused.
public enum BertModelError: Error, CustomStringConvertible, Equatable {
    case unreadableConfiguration(path: String, reason: String)
    case missingSetting(path: String, key: String)
    /// A setting has a value this engine does not implement.
    case unsupported(path: String, setting: String, value: String)
    /// The tokenizer has ids the model has no embedding for.
    case vocabularyMismatch(tokenizer: Int, model: Int)

    public var description: String {
        switch self {
        case .unreadableConfiguration(let path, let reason):
            return "cannot read model configuration \(path): \(reason)"
        case .missingSetting(let path, let key):
            return "\(path) has no positive integer '\(key)'"
        case .unsupported(let path, let setting, let value):
            return "\(path): \(setting) = \(value) is not supported"
        case .vocabularyMismatch(let tokenizer, let model):
            return "the tokenizer has \(tokenizer) tokens but the model embeds only \(model)"
        }
    }
}
