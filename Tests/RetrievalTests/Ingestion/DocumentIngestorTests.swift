import Testing

@testable import Retrieval

/// What the ingestor stores of a chunk: a NUL that a loader let through (text readers refuse
/// NUL bytes as binary; other formats could still decode one) becomes U+FFFD, because SQLite
/// and its full-text index would keep the text only up to it.
@Suite struct DocumentIngestorTests {
    @Test func aNULInAChunkIsStoredAsTheReplacementCharacterNotCutAtIt() {
        let chunk = TextChunk(index: 3, text: "before\u{0}after", headingPath: ["Head\u{0}ing", "Plain"])
        let stored = DocumentIngestor.withoutNUL(chunk)
        #expect(stored.text == "before\u{FFFD}after")
        #expect(stored.headingPath == ["Head\u{FFFD}ing", "Plain"])
        #expect(stored.index == 3)
        let clean = TextChunk(index: 0, text: "nothing to do", headingPath: [])
        #expect(DocumentIngestor.withoutNUL(clean) == clean)
    }
}
