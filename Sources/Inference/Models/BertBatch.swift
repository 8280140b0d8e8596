/// Token sequences packed end to end for one encoder pass: no padding, each sequence a range
/// of the packed tokens.
struct BertBatch {
    /// `[tokenCount]`.
    private(set) var ids: [TokenID] = []
    /// The position of each token within its sequence.
    private(set) var positions: [Int32] = []
    private(set) var sequences: [Range<Int>] = []

    var tokenCount: Int { ids.count }
    var longestSequence: Int { sequences.map(\.count).max() ?? 0 }

    init() {}

    init(_ sequences: [[TokenID]]) {
        for sequence in sequences { append(sequence) }
    }

    mutating func append(_ sequence: [TokenID]) {
        let start = ids.count
        ids.append(contentsOf: sequence)
        positions.append(contentsOf: (0..<Int32(sequence.count)))
        sequences.append(start..<ids.count)
    }
}
