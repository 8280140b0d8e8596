import Foundation
import Inference
import Testing
@testable import Retrieval

@Suite("Chunker")
struct ChunkerTests {
    /// One token per word.
    static let words: @Sendable (String) -> Int = { $0.split(whereSeparator: \.isWhitespace).count }
    /// Like a BERT tokenizer: [CLS] and [SEP] around the text, punctuation as tokens of its own,
    /// so counts do not simply add up when pieces are joined.
    static let bertLike: @Sendable (String) -> Int = { text in
        2 + text.split(whereSeparator: \.isWhitespace).reduce(0) { $0 + 1 + $1.filter(\.isPunctuation).count }
    }

    private func chunks(_ sections: [DocumentSection], target: Int, overlap: Int,
                        count: @escaping @Sendable (String) -> Int = words) -> [TextChunk] {
        Chunker(targetTokens: target, overlapTokens: overlap, countTokens: count)
            .chunks(of: LoadedDocument(format: .text, sections: sections))
    }

    private func sentence(_ number: Int, words count: Int) -> String {
        (1...count).map { $0 == 1 ? "S\(number)" : "w\($0)" }.joined(separator: " ") + "."
    }

    @Test("whole paragraphs are packed while they fit and never cut when they fit alone")
    func paragraphsPacked() {
        let paragraphs = ["one two three four five", "six seven eight nine ten", "eleven twelve thirteen fourteen fifteen"]
        let result = chunks([DocumentSection(headingPath: ["A"], text: paragraphs.joined(separator: "\n\n"))],
                            target: 12, overlap: 0)
        #expect(result.map(\.text) == [paragraphs[0] + "\n\n" + paragraphs[1], paragraphs[2]])
        #expect(result.map(\.index) == [0, 1])
    }

    @Test("a chunk never spans two sections and overlap never crosses into the next section")
    func neverMixesSections() {
        let sections = [
            DocumentSection(headingPath: ["Install"], text: "Run make install."),
            DocumentSection(headingPath: ["Install", "Linux"], text: "Use apt on Debian."),
        ]
        let result = chunks(sections, target: 200, overlap: 40)
        #expect(result == [
            TextChunk(index: 0, text: "Run make install.", headingPath: ["Install"]),
            TextChunk(index: 1, text: "Use apt on Debian.", headingPath: ["Install", "Linux"]),
        ])
    }

    @Test("a paragraph longer than the target is cut at sentence ends")
    func sentenceBoundaries() {
        let text = (1...6).map { sentence($0, words: 5) }.joined(separator: " ")
        let result = chunks([DocumentSection(headingPath: [], text: text)], target: 12, overlap: 0)
        #expect(result.map(\.text) == [
            sentence(1, words: 5) + " " + sentence(2, words: 5),
            sentence(3, words: 5) + " " + sentence(4, words: 5),
            sentence(5, words: 5) + " " + sentence(6, words: 5),
        ])
    }

    @Test("abbreviations and initials do not end a sentence")
    func abbreviations() {
        let sentences = TextSplitter.sentences(of: "Dr. Lee met J. Smith, e.g. at noon. Then “they left.” Done")
        #expect(sentences == ["Dr. Lee met J. Smith, e.g. at noon. ", "Then “they left.” ", "Done"])
    }

    @Test("the next chunk repeats the previous chunk's last sentences within the overlap")
    func overlapRepeatsWholeSentences() {
        let text = (1...6).map { sentence($0, words: 4) }.joined(separator: " ")
        let result = chunks([DocumentSection(headingPath: [], text: text)], target: 12, overlap: 5)
        #expect(result.map(\.text) == [
            (1...3).map { sentence($0, words: 4) }.joined(separator: " "),
            (3...5).map { sentence($0, words: 4) }.joined(separator: " "),
            (5...6).map { sentence($0, words: 4) }.joined(separator: " "),
        ])
    }

    @Test("when the last sentence is longer than the overlap, its last words are repeated")
    func overlapFallsBackToWords() {
        let text = sentence(1, words: 8) + " " + sentence(2, words: 8)
        let result = chunks([DocumentSection(headingPath: [], text: text)], target: 12, overlap: 3)
        #expect(result.map(\.text) == [sentence(1, words: 8), "w6 w7 w8. " + sentence(2, words: 8)])
    }

    @Test("a sentence longer than the target is cut between words, a word longer than it between characters")
    func hardSplits() {
        let long = (1...30).map { "word\($0)" }.joined(separator: " ")
        let result = chunks([DocumentSection(headingPath: [], text: long)], target: 8, overlap: 0)
        #expect(result.allSatisfy { Self.words($0.text) <= 8 })
        #expect(result.map(\.text).joined(separator: " ") == long)

        let tenCharactersPerToken: @Sendable (String) -> Int = { ($0.count + 9) / 10 }
        let hash = String(repeating: "a1b2c3", count: 20)
        let pieces = chunks([DocumentSection(headingPath: [], text: hash)], target: 3, overlap: 0, count: tenCharactersPerToken)
        let expected: [String] = stride(from: 0, to: hash.count, by: 30).map { String(hash.dropFirst($0).prefix(30)) }
        #expect(expected.count == 4)
        #expect(pieces.map(\.text) == expected)
    }

    /// A tokenizer that counts any long word as one token (WordPiece past 100 characters) once
    /// made an 8 MB run one chunk; a chunk now also holds at most 16 bytes per target token.
    @Test("a run the tokenizer counts as one token is still cut to the chunk's byte bound")
    func aRunCountedAsOneTokenIsCutByBytes() {
        let run = "zebra " + String(repeating: "x", count: 100_000)
        let result = chunks([DocumentSection(headingPath: [], text: run)], target: 128, overlap: 0)
        #expect(result.allSatisfy { $0.text.utf8.count <= 128 * Chunker.bytesPerToken }, "\(result.map(\.text.utf8.count).max() ?? 0)")
        #expect(result.map(\.text).joined().filter { $0 == "x" }.count == 100_000, "every byte kept")
        let prose = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 10)
        #expect(chunks([DocumentSection(headingPath: [], text: prose)], target: 128, overlap: 0).count == 1,
                "prose stays within the floor")
    }

    @Test("random documents: every chunk within the target, text covered in order, same result twice",
          arguments: [(50, 10), (200, 40), (16, 8), (7, 3)])
    func randomDocuments(target: Int, overlap: Int) throws {
        var generator = SeededGenerator(seed: UInt64(target * 1000 + overlap))
        for counter in [Self.words, Self.bertLike] {
            for _ in 0..<20 {
                let sections = (0..<Int.random(in: 1...4, using: &generator)).map { index in
                    DocumentSection(headingPath: ["S\(index)"], text: Self.randomText(using: &generator))
                }
                let first = chunks(sections, target: target, overlap: overlap, count: counter)
                #expect(first == chunks(sections, target: target, overlap: overlap, count: counter))
                #expect(first.map(\.index) == Array(first.indices))
                #expect(first.allSatisfy { counter($0.text) <= target && !$0.text.isEmpty })
                for section in sections {
                    let texts = first.filter { $0.headingPath == section.headingPath }.map(\.text)
                    try Self.expectCoverage(of: section.text, by: texts)
                }
            }
        }
    }

    /// The chunks, whitespace aside, are consecutive stretches of the section that may overlap
    /// the one before but leave no gap, and reach the end.
    private static func expectCoverage(of section: String, by chunks: [String]) throws {
        let text = Array(section.filter { !$0.isWhitespace })
        var previousStart = -1
        var previousEnd = 0
        for chunk in chunks {
            let piece = Array(chunk.filter { !$0.isWhitespace })
            let start = try #require(
                stride(from: previousEnd, through: previousStart + 1, by: -1).first { start in
                    start + piece.count > previousEnd && start + piece.count <= text.count
                        && text[start..<(start + piece.count)].elementsEqual(piece)
                },
                "chunk \"\(chunk)\" does not continue the section")
            previousStart = start
            previousEnd = start + piece.count
        }
        #expect(previousEnd == text.count)
    }

    private static let vocabulary = [
        "the", "model", "reads", "documents", "quickly", "and", "each", "team", "keeps", "its", "own", "index",
        "of", "chunks", "retrieval", "works", "well", "when", "sentences", "stay", "whole", "e.g.", "Dr.", "(see",
        "below)", "42", "3.14", "naïve", "Zürich", "東京",
    ]

    /// Paragraphs of sentences of random lengths, now and then a code block or an overlong token.
    private static func randomText(using generator: inout SeededGenerator) -> String {
        (0..<Int.random(in: 1...6, using: &generator)).map { _ in
            switch Int.random(in: 0..<10, using: &generator) {
            case 0:
                return (0..<Int.random(in: 2...12, using: &generator)).map { "    let x\($0) = f(\($0))" }.joined(separator: "\n")
            case 1:
                return String(repeating: "Zq9", count: Int.random(in: 1...200, using: &generator))
            default:
                return (0..<Int.random(in: 1...12, using: &generator)).map { _ in
                    let words = (0..<Int.random(in: 1...40, using: &generator)).map { _ in
                        vocabulary.randomElement(using: &generator)!
                    }
                    return words.joined(separator: " ").capitalizedFirst + [".", "!", "?"].randomElement(using: &generator)!
                }.joined(separator: " ")
            }
        }.joined(separator: "\n\n")
    }
}

extension String {
    fileprivate var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
