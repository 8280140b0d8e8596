/// A paragraph, or a part of one, small enough for a chunk: the unit the packer moves.
struct ChunkPiece {
    /// Which paragraph of the section it comes from; pieces of one paragraph join as written,
    /// paragraphs join with a blank line.
    var paragraph: Int
    /// The text as written, with the whitespace that followed it inside its paragraph.
    var text: Substring

    /// Pieces rendered as chunk text.
    static func render(_ pieces: some Collection<ChunkPiece>) -> String {
        var paragraphs: [String] = []
        var current = ""
        var paragraph: Int?
        for piece in pieces {
            if piece.paragraph != paragraph, paragraph != nil {
                paragraphs.append(current.trimmedForChunk)
                current = ""
            }
            paragraph = piece.paragraph
            current += piece.text
        }
        if paragraph != nil { paragraphs.append(current.trimmedForChunk) }
        return paragraphs.filter { !$0.isEmpty }.joined(separator: "\n\n")
    }
}

extension StringProtocol {
    /// Without leading and trailing whitespace.
    var trimmedForChunk: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(self[first...last])
    }
}
