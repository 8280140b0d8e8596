import Foundation
import Testing
@testable import Store

/// User text never reaches FTS5 as syntax: every word becomes a quoted literal.
@Suite struct FullTextQueryTests {
    @Test func wordsBecomeQuotedLiteralsJoinedByOr() throws {
        let query = try #require(FullTextQuery("How do I \"reset\" my Password?"))
        #expect(query.terms == ["reset", "password"])
        #expect(query.expression == #""reset" OR "password""#)
    }

    @Test func onlyCommonWordsAreKeptWhenNothingElseIsLeft() throws {
        #expect(try #require(FullTextQuery("What is it?")).terms == ["what", "is", "it"])
        #expect(FullTextQuery("?! -- ...") == nil)
        #expect(FullTextQuery("") == nil)
    }

    @Test func termsAreDeduplicatedAndCapped() throws {
        let words = (0..<100).map { "word\($0)" }.joined(separator: " ")
        #expect(try #require(FullTextQuery(words)).terms.count == FullTextQuery.maximumTerms)
        #expect(try #require(FullTextQuery("Alpha alpha ALPHA")).terms == ["alpha"])
    }

    /// Inputs that are FTS5 syntax errors or operators when passed raw all search fine.
    @Test(arguments: StoreBackendKind.allCases) func querySyntaxInUserTextIsNeverInterpreted(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let scope = try world.scope(world.salesMember)
        try await world.store.knowledge.createCollection(named: "handbook", in: scope)
        _ = try await world.store.knowledge.store(
            KnowledgeRepositoryTests.draft("a.txt", "NEAR the AND gate, text: quoted \"words\" and stars*."),
            in: "handbook", scope: scope)
        let collection = try #require(try await world.store.knowledge.collection(named: "handbook", in: scope))
        let hostile = [
            "\"unbalanced", "NEAR(a b)", "a AND", "OR OR OR", "text:quoted", "heading_path:x", "star*", "^start",
            "(((", "a\" OR \"b", "-minus +plus", "{braces} [brackets]", "col1 : col2", "😀 émoji façade", "\u{0}null",
            "'single' \"double\" `back`", "x NOT y", "*",
        ]
        for text in hostile {
            guard let query = FullTextQuery(text) else { continue }
            _ = try await world.store.knowledge.fullTextSearch(query, collections: [collection.id], limit: 5, in: scope)
        }
        let gate = try await world.store.knowledge.fullTextSearch(
            try #require(FullTextQuery("NEAR(gate")), collections: [collection.id], limit: 5, in: scope)
        #expect(gate.count == 1, "operators are searched as words")
    }
}
