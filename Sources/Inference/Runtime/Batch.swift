/// Tokens to run through the model in one forward pass, possibly from several sequences.
///
/// Entry `i` is token `tokens[i]` at `positions[i]` of sequence (KV-cache slot) `sequences[i]`;
/// `wantsLogits[i]` asks for the logits after it. Tokens of one sequence appear in position
/// order and continue exactly where that sequence's cache ends.
public struct Batch: Sendable, Equatable {
    public var tokens: [TokenID] = []
    public var positions: [Int] = []
    public var sequences: [Int] = []
    public var wantsLogits: [Bool] = []

    public init() {}

    public var count: Int { tokens.count }
    public var logitCount: Int { wantsLogits.lazy.filter { $0 }.count }

    public mutating func append(_ token: TokenID, position: Int, sequence: Int, wantsLogits: Bool) {
        tokens.append(token)
        positions.append(position)
        sequences.append(sequence)
        self.wantsLogits.append(wantsLogits)
    }

    /// A batch of one sequence's tokens starting at `start`, with logits for the last one
    /// (or for every one when `allLogits`).
    public static func sequence(_ tokens: [TokenID], startingAt start: Int = 0, slot: Int = 0, allLogits: Bool = false) -> Batch {
        var batch = Batch()
        for (offset, token) in tokens.enumerated() {
            batch.append(token, position: start + offset, sequence: slot,
                         wantsLogits: allLogits || offset == tokens.count - 1)
        }
        return batch
    }
}
