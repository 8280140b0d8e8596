/// Errors of running a model (as opposed to loading one, `ModelFileError`).
public enum InferenceError: Error, CustomStringConvertible, Equatable {
    case contextOverflow(requested: Int, limit: Int)
    case invalidToken(TokenID, vocabularySize: Int)
    case invalidSequence(Int, slots: Int)
    case emptyBatch
    case positionMismatch(sequence: Int, expected: Int, found: Int)
    case unsupportedKernels(KernelISA)

    public var description: String {
        switch self {
        case .contextOverflow(let requested, let limit):
            return "the sequence needs \(requested) positions but the context holds \(limit)"
        case .invalidToken(let token, let size):
            return "token id \(token) is outside the vocabulary (0..<\(size))"
        case .invalidSequence(let sequence, let slots):
            return "sequence \(sequence) is outside the cache's \(slots) slots"
        case .emptyBatch:
            return "the batch has no tokens"
        case .positionMismatch(let sequence, let expected, let found):
            return "sequence \(sequence) continues at position \(expected), not \(found)"
        case .unsupportedKernels(let isa):
            return "this CPU cannot run the \(isa) kernels (it runs \(KernelISA.supported.map(\.name).joined(separator: ", ")))"
        }
    }
}
