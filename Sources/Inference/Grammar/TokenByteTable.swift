/// Every token's bytes in one flat buffer, for constrained decoding: trying each token of the
/// vocabulary against a grammar reads them once per step, so they are laid out once per model
/// rather than asked of the tokenizer (an array per token) each time.
///
/// Tokens that are not text — control and user-defined tokens (their bytes are their names,
/// such as `<|im_end|>`), unknown and unused ones, and tokens with no bytes — are marked
/// ``isText`` false: a grammar never lets them through as text.
public final class TokenByteTable: Sendable {
    /// `bytes[offsets[id]..<offsets[id + 1]]` are token `id`'s.
    let bytes: [UInt8]
    let offsets: [Int32]
    let isText: [Bool]

    public var count: Int { isText.count }

    public init(tokenizer: any Tokenizer) {
        let vocabulary = tokenizer.vocabulary
        var bytes: [UInt8] = []
        var offsets: [Int32] = [0]
        var isText: [Bool] = []
        offsets.reserveCapacity(vocabulary.count + 1)
        isText.reserveCapacity(vocabulary.count)
        for index in 0..<vocabulary.count {
            let id = TokenID(index)
            let piece = tokenizer.tokenBytes(id)
            let attributes = vocabulary.attributes(of: id)
            let special = !attributes.isDisjoint(with: [.control, .userDefined, .unknown, .unused, .undefined])
            isText.append(!special && !piece.isEmpty)
            bytes += piece
            offsets.append(Int32(bytes.count))
        }
        self.bytes = bytes
        self.offsets = offsets
        self.isText = isText
    }
}
