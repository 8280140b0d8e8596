import Foundation
import Testing
@testable import Store
import Tenancy

/// PostgreSQL's postings rank as SQLite's FTS5 `bm25(…, 1.0, 2.0, 8.0)` does: the same chunks
/// indexed on both backends answer every query with the same order and the same scores, so
/// retrieval quality (`make eval`) does not depend on the backend.
@Suite struct FullTextPostingsTests {
    /// name → chunks of (heading path, text).
    static let corpus: [(name: String, chunks: [(heading: [String], text: String)])] = [
        ("quokka-pricing.txt", [
            (["Pricing"], "Quokka plans cost forty euros per seat; quokka quokka QUOKKA discounts apply."),
            (["Pricing", "Terms"], "Every plan is billed monthly. Common terms apply to every plan."),
        ]),
        ("crème-brûlée.md", [
            (["Desserts"], "Crème brûlée: cream, sugar, vanilla. The CRÈME must set; brulee is French."),
            (["Desserts", "École"], "At the école we bake a creme caramel. Common knowledge."),
        ]),
        ("wombat-guide.txt", [
            ([], "A burrowing marsupial of Australia, common in the south."),
            (["Care"], "Feed them grasses, roots and bark."),
        ]),
        ("punctuation.txt", [
            (["Mail"], "E-mail: don't reply@example.com! Version 3.14 (beta) — naïve café, coöperate."),
            (["Noise"], "!!! --- ... ???"),
            (["Hindi"], "यह किताब हिन्दी में है, common."),
        ]),
        // No token in any column: FTS5 still counts the row in N.
        ("!!!", [([], "??? ...")]),
        ("long-notes.txt", [
            (["Notes"], String(repeating: "A long chunk about many things, and a quokka once. ", count: 30)),
            (["Notes"], "Short: quokka wombat."),
        ]),
    ]

    static let queries = [
        "quokka", "Quokka pricing", "creme brulee", "Crème BRÛLÉE", "ecole", "wombat", "Wombat guide",
        "e-mail don't", "3.14", "naive cafe cooperate", "common", "the", "plan plan plan", "pricing desserts care",
        "किताब", "hindi", "notes", "nothing matches zyxw", "quokka wombat marsupial seat",
    ]

    /// Stores the corpus in `backend`'s sales team (replacing one document and deleting another
    /// on the way, so forgetting is exercised too) and development's, and returns sales' scope.
    static func indexed(_ backend: StoreBackendKind) async throws -> (StoreWorld, TenantScope, CollectionID) {
        let world = try await StoreWorld.make(backend)
        let sales = try world.scope(world.salesMember)
        let development = try world.scope(world.developmentAdmin)
        for scope in [sales, development] {
            try await world.store.knowledge.createCollection(named: "handbook", in: scope)
            try await world.store.knowledge.createCollection(named: "other", in: scope)
        }
        let knowledge = world.store.knowledge
        _ = try await knowledge.store(Self.draft("quokka-pricing.txt", [([], "Old quokka text.")]), in: "handbook", scope: sales)
        let doomed = try await knowledge.store(Self.draft("doomed.txt", [([], "Quokka wombat.")]), in: "handbook", scope: sales)
        for document in corpus {
            let collection = document.name == "long-notes.txt" ? "other" : "handbook"
            _ = try await knowledge.store(Self.draft(document.name, document.chunks), in: collection, scope: sales)
        }
        try await world.store.knowledge.deleteDocument(doomed.document.id, in: "handbook", scope: sales)
        // Another team's words, which must move none of sales' scores.
        _ = try await world.store.knowledge.store(
            Self.draft("quokka.txt", [([], "Quokka quokka quokka wombat common common.")]), in: "handbook", scope: development)
        let handbook = try #require(try await world.store.knowledge.collection(named: "handbook", in: sales))
        return (world, sales, handbook.id)
    }

    static func draft(_ name: String, _ chunks: [(heading: [String], text: String)]) -> DocumentDraft {
        let content = chunks.map(\.text).joined(separator: "\n\n")
        return DocumentDraft(
            name: name, format: "text", contentHash: ContentHash.of(Data((name + content).utf8)), byteCount: content.utf8.count,
            embeddingModel: "test-model",
            chunks: chunks.enumerated().map { index, chunk in
                ChunkDraft(
                    index: index, text: chunk.text, headingPath: chunk.heading,
                    embedding: KnowledgeRepositoryTests.vector(for: chunk.text))
            })
    }

    /// Each hit as "document#chunk" with its score.
    static func ranking(_ query: FullTextQuery, collections: [CollectionID]?, _ world: StoreWorld, _ scope: TenantScope)
        async throws -> [(chunk: String, score: Double)]
    {
        let hits = try await world.store.knowledge.fullTextSearch(query, collections: collections, limit: 50, in: scope)
        let chunks = try await world.store.knowledge.chunks(hits.map(\.chunkID), in: scope)
        let names = Dictionary(uniqueKeysWithValues: chunks.map { ($0.id, "\($0.documentName)#\($0.index)") })
        return hits.map { (chunk: names[$0.chunkID] ?? "?", score: $0.score) }
    }

    @Test func postgresRanksEveryQueryAsFTS5WithTheSameScores() async throws {
        let (sqlite, sqliteSales, sqliteHandbook) = try await Self.indexed(.sqlite)
        let (postgres, postgresSales, postgresHandbook) = try await Self.indexed(.postgres)
        var compared = 0
        for text in Self.queries {
            let query = try #require(FullTextQuery(text), "\(text)")
            let scopes: [([CollectionID]?, [CollectionID]?)] = [(nil, nil), ([sqliteHandbook], [postgresHandbook])]
            for (sqliteCollections, postgresCollections) in scopes {
                let expected = try await Self.ranking(query, collections: sqliteCollections, sqlite, sqliteSales)
                let actual = try await Self.ranking(query, collections: postgresCollections, postgres, postgresSales)
                #expect(actual.map(\.chunk) == expected.map(\.chunk), "order for \(text)")
                for (left, right) in zip(expected, actual) {
                    #expect(abs(left.score - right.score) <= 1e-12 * max(1, abs(left.score)), "\(text): \(left) vs \(right)")
                }
                compared += expected.count
            }
        }
        #expect(compared > 40, "the queries match enough chunks to compare")
        let nameOnly = try await Self.ranking(
            try #require(FullTextQuery("guide")), collections: nil, postgres, postgresSales)
        #expect(Set(nameOnly.map(\.chunk)) == ["wombat-guide.txt#0", "wombat-guide.txt#1"], "a word of the name only")
    }

    /// The index's own tokens: accents and case folded, split where FTS5 splits.
    @Test func queryTermsAreTheIndexTokens() throws {
        #expect(try #require(FullTextQuery("Crème BRÛLÉE, naïve coöperate!")).terms == ["creme", "brulee", "naive", "cooperate"])
        #expect(try #require(FullTextQuery("e-mail don't 3.14")).terms == ["e", "mail", "don", "t", "3", "14"])
        let hindi = try #require(FullTextQuery("किताब"))
        #expect(hindi.terms.count > 1, "FTS5 splits at the vowel signs: each piece is a term, never a phrase")
        for term in hindi.terms + ["creme", "ecole"] {
            #expect(try FullTextTokenizer.shared.tokens(of: term) == [term], "a token reads as itself")
        }
    }
}
