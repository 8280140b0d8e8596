/// A document reduced to its visible text: sections in reading order, each under the
/// headings that lead to it, so a chunk can say where in the document it came from.
public struct LoadedDocument: Sendable, Equatable {
    /// The format the text was extracted from.
    public var format: DocumentFormat
    /// The document's text in reading order.
    public var sections: [DocumentSection]

    public init(format: DocumentFormat, sections: [DocumentSection]) {
        self.format = format
        self.sections = sections
    }

    /// Every section's text, blank-line separated (for hashing and tests).
    public var plainText: String {
        sections.map(\.text).joined(separator: "\n\n")
    }
}

/// A run of text under one heading path, e.g. `["Install", "On Linux"]`.
public struct DocumentSection: Sendable, Equatable {
    /// The headings above this text, outermost first; empty before the first heading.
    public var headingPath: [String]
    /// The visible text; paragraphs are separated by blank lines.
    public var text: String

    public init(headingPath: [String], text: String) {
        self.headingPath = headingPath
        self.text = text
    }
}
