/// A conversation's meaning for the semantic cache: the L2-normalized embeddings of its
/// ``ConversationTexts``, kept with the cached answer so a later request can be compared with
/// it without embedding anything again.
struct ConversationEmbedding: Sendable, Hashable {
    /// [dimensions]
    let question: [Float]
    /// [dimensions], nil when the conversation is a single question.
    let history: [Float]?

    /// The vectors of ``ConversationTexts/all``, in order; nil when their number or sizes do
    /// not fit together.
    init?(vectors: [[Float]]) {
        guard let first = vectors.first, !first.isEmpty, vectors.count <= 2,
            vectors.allSatisfy({ $0.count == first.count })
        else { return nil }
        question = first
        history = vectors.count == 2 ? vectors[1] : nil
    }

    /// How close in meaning the two conversations are: the lower of the questions' and the
    /// histories' cosine similarities (both vectors are normalized, so a dot product), and
    /// -1 when one has a history and the other not, or the sizes differ.
    func similarity(to other: ConversationEmbedding) -> Double {
        let questions = Self.cosine(question, other.question)
        switch (history, other.history) {
        case (nil, nil): return questions
        case let (mine?, theirs?): return min(questions, Self.cosine(mine, theirs))
        default: return -1
        }
    }

    /// The memory the vectors take, for the cache's byte cap.
    var byteCount: Int {
        32 + MemoryLayout<Float>.stride * (question.count + (history?.count ?? 0))
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        guard a.count == b.count else { return -1 }
        return a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                var sum: Float = 0
                for index in 0..<a.count { sum += a[index] * b[index] }
                return Double(sum)
            }
        }
    }
}
