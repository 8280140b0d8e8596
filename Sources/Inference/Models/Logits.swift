/// Next-token scores for the batch entries that asked for them, in batch order.
public struct Logits: Sendable {
    public let vocabularySize: Int
    /// `[row][vocabularySize]`
    public var values: [Float]

    public var count: Int { vocabularySize == 0 ? 0 : values.count / vocabularySize }

    public subscript(row: Int) -> ArraySlice<Float> {
        values[(row * vocabularySize)..<((row + 1) * vocabularySize)]
    }

    /// The highest-scoring token of `row` (ties go to the lowest id, like llama.cpp's greedy sampler).
    public func argmax(row: Int) -> TokenID {
        var best = row * vocabularySize
        values.withUnsafeBufferPointer { v in
            for i in (row * vocabularySize)..<((row + 1) * vocabularySize) where v[i] > v[best] { best = i }
        }
        return TokenID(best - row * vocabularySize)
    }
}
