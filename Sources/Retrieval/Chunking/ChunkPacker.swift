/// Packs pieces into chunks of at most `target` tokens, starting each chunk after the first
/// with a tail of the previous one (at most `overlap` tokens).
struct ChunkPacker {
    let target: Int
    let overlap: Int
    let countTokens: @Sendable (String) -> Int
    private var current: [ChunkPiece] = []
    /// How many pieces at the start of `current` repeat the previous chunk.
    private var repeated = 0
    private var chunks: [String] = []

    init(target: Int, overlap: Int, countTokens: @escaping @Sendable (String) -> Int) {
        self.target = target
        self.overlap = overlap
        self.countTokens = countTokens
    }

    /// Adds a piece that fits the target on its own.
    mutating func add(_ piece: ChunkPiece) {
        if fits(current + [piece]) {
            current.append(piece)
            return
        }
        emit()
        let budget = min(overlap, target - tokens([piece]))
        var tail = budget > 0 ? self.tail(of: current, budget: budget) : []
        if !fits(tail + [piece]) { tail = [] }  // token counts need not add up; never exceed the target
        current = tail + [piece]
        repeated = tail.count
    }

    mutating func finish() -> [String] {
        emit()
        current = []
        return chunks
    }

    private mutating func emit() {
        guard current.count > repeated else { return }
        let text = ChunkPiece.render(current)
        if !text.isEmpty { chunks.append(text) }
    }

    /// The longest end of `pieces` within `budget` tokens: whole sentences if the last one fits,
    /// otherwise the last words.
    private func tail(of pieces: [ChunkPiece], budget: Int) -> [ChunkPiece] {
        var tail: [ChunkPiece] = []
        for piece in pieces.reversed() {
            for sentence in TextSplitter.split(piece.text, at: .sentence).reversed() {
                let candidate = [ChunkPiece(paragraph: piece.paragraph, text: sentence)] + tail
                guard tokens(candidate) <= budget else {
                    return tail.isEmpty ? wordTail(of: ChunkPiece(paragraph: piece.paragraph, text: sentence), budget: budget) : tail
                }
                tail = candidate
            }
        }
        return tail
    }

    /// The last words of `piece` within `budget` tokens.
    private func wordTail(of piece: ChunkPiece, budget: Int) -> [ChunkPiece] {
        var tail: [ChunkPiece] = []
        for word in TextSplitter.split(piece.text, at: .word).reversed() {
            let candidate = [ChunkPiece(paragraph: piece.paragraph, text: word)] + tail
            guard tokens(candidate) <= budget else { break }
            tail = candidate
        }
        return tail
    }

    private func fits(_ pieces: [ChunkPiece]) -> Bool {
        tokens(pieces) <= target
    }

    private func tokens(_ pieces: [ChunkPiece]) -> Int {
        countTokens(ChunkPiece.render(pieces))
    }
}
