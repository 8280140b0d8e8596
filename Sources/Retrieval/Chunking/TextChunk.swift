/// A piece of a document small enough to embed and to quote in a prompt.
public struct TextChunk: Sendable, Equatable {
    /// Position of the chunk in its document, from 0.
    public var index: Int
    /// The chunk's text.
    public var text: String
    /// The headings above the chunk's text, outermost first.
    public var headingPath: [String]

    public init(index: Int, text: String, headingPath: [String]) {
        self.index = index
        self.text = text
        self.headingPath = headingPath
    }
}
