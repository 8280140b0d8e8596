import Foundation
import GRDB
import Synchronization
import Testing
@testable import Store
import Tenancy

/// The knowledge tables: idempotent, atomic writes; deletes that leave nothing; one team
/// never reaching another's collections, chunks, vectors or full-text statistics.
@Suite struct KnowledgeRepositoryTests {
    /// A draft whose chunks are the paragraphs of `text`, with small made-up vectors.
    static func draft(_ name: String, _ text: String, model: String = "test-model") -> DocumentDraft {
        let paragraphs = text.components(separatedBy: "\n\n")
        return DocumentDraft(
            name: name, format: "text", contentHash: ContentHash.of(Data(text.utf8)), byteCount: text.utf8.count,
            embeddingModel: model,
            chunks: paragraphs.enumerated().map { index, paragraph in
                ChunkDraft(index: index, text: paragraph, headingPath: ["Part \(index)"], embedding: vector(for: paragraph))
            })
    }

    /// A unit vector of 4 floats that depends on the text.
    static func vector(for text: String) -> [Float] {
        var values: [Float] = [1, 0, 0, 0]
        for (offset, byte) in text.utf8.enumerated() { values[offset % 4] += Float(byte) / 255 }
        let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return values.map { $0 / norm }
    }

    static func search(_ text: String, _ world: StoreWorld, _ principal: Principal, collection: String = "handbook")
        async throws -> [Int64]
    {
        let scope = try world.scope(principal)
        guard let found = try await world.store.knowledge.collection(named: collection, in: scope) else { return [] }
        return try await world.store.knowledge.fullTextSearch(
            try #require(FullTextQuery(text)), collections: [found.id], limit: 10, in: scope
        ).map(\.chunkID)
    }

    /// A document's name is bounded in Unicode scalars: `a` with two million combining marks
    /// was one Character, stored as a 4 MB name returned by every listing.
    @Test func aDocumentsNameIsBoundedInScalars() throws {
        let stacked = "a" + String(repeating: "\u{0301}", count: DocumentDraft.maximumNameLength) + ".txt"
        #expect(stacked.count <= 5)
        #expect(throws: StoreError.self) { try DocumentDraft.validatedName(stacked) }
        #expect(try DocumentDraft.validatedName("résumé.txt") == "résumé.txt")
    }

    /// Names that look alike were distinct documents (attack round 4): `é` as one scalar or as
    /// `e` + U+0301, zero-width spaces, byte-order marks, names of only white space, `.`, `..`.
    @Test func lookAlikeAndInvisibleNamesAreOneNameOrRefused() throws {
        let composed = "r\u{E9}sum\u{E9}.txt", decomposed = "re\u{301}sume\u{301}.txt"
        #expect(Array(composed.unicodeScalars) != Array(decomposed.unicodeScalars))
        #expect(Array(try DocumentDraft.validatedName(decomposed).unicodeScalars) == Array(composed.unicodeScalars))
        for name in ["zero\u{200B}width.txt", "\u{FEFF}bom.txt", " ", "\t", ".", "..", "a\u{202E}txt.exe"] {
            #expect(throws: StoreError.self, "\(name.unicodeScalars.map { String($0.value, radix: 16) })") {
                try DocumentDraft.validatedName(name)
            }
        }
        #expect(try DocumentDraft.validatedName("..hidden.md") == "..hidden.md")
        #expect(try DocumentDraft.validatedName("../etc/passwd.txt") == "../etc/passwd.txt")  // a name, never a path
    }

    @Test(arguments: StoreBackendKind.allCases) func sameContentUnderTheSameNameIsUnchangedWithTheSameID(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let scope = try world.scope(world.salesMember)
        try await world.store.knowledge.createCollection(named: "handbook", in: scope)
        let first = try await world.store.knowledge.store(Self.draft("a.txt", "Alpha.\n\nBeta."), in: "handbook", scope: scope)
        let changes = Mutex(0)
        let second = try await world.store.knowledge.store(Self.draft("a.txt", "Alpha.\n\nBeta."), in: "handbook", scope: scope) {
            _ in changes.withLock { $0 += 1 }
        }
        guard case .added = first, case .unchanged = second else { Issue.record("\(first.status), \(second.status)"); return }
        #expect(first.document.id == second.document.id)
        #expect(changes.withLock { $0 } == 0, "an unchanged document changes nothing in the index")
        let documents = try await world.store.knowledge.documents(in: "handbook", scope: scope)
        #expect(documents.count == 1 && documents[0].chunkCount == 2)
        #expect(try await world.store.knowledge.collections(in: scope).first?.chunkCount == 2, "no duplicate chunks")
    }

    @Test(arguments: StoreBackendKind.allCases) func idsAreScopedToTeamCollectionAndName(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let sales = try world.scope(world.salesMember)
        let development = try world.scope(world.developmentAdmin)
        for scope in [sales, development] {
            try await world.store.knowledge.createCollection(named: "handbook", in: scope)
        }
        let text = "Same words."
        let inSales = try await world.store.knowledge.store(Self.draft("a.txt", text), in: "handbook", scope: sales)
        let otherName = try await world.store.knowledge.store(Self.draft("b.txt", text), in: "handbook", scope: sales)
        let inDevelopment = try await world.store.knowledge.store(Self.draft("a.txt", text), in: "handbook", scope: development)
        #expect(Set([inSales.document.id, otherName.document.id, inDevelopment.document.id]).count == 3)
        #expect(
            inSales.document.id
                == DocumentID.derive(
                    team: world.sales.id, collectionName: "HANDBOOK", documentName: "a.txt",
                    contentHash: ContentHash.of(Data(text.utf8))))
    }

    @Test(arguments: StoreBackendKind.allCases) func changedContentReplacesTheOldDocumentInOneWrite(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let scope = try world.scope(world.salesMember)
        try await world.store.knowledge.createCollection(named: "handbook", in: scope)
        let old = try await world.store.knowledge.store(Self.draft("plan.txt", "Quokka pricing.\n\nOld terms."), in: "handbook", scope: scope)
        let change = Mutex<KnowledgeChange?>(nil)
        let new = try await world.store.knowledge.store(Self.draft("plan.txt", "Wombat pricing."), in: "handbook", scope: scope) {
            committed in change.withLock { $0 = committed }
        }
        guard case let .replaced(document, previous) = new else { Issue.record("expected a replacement"); return }
        #expect(previous == old.document.id && document.id != old.document.id)
        let documents = try await world.store.knowledge.documents(in: "handbook", scope: scope)
        #expect(documents.map(\.id) == [document.id])
        #expect(try await Self.search("quokka", world, world.salesMember).isEmpty, "the old text left the full-text index")
        #expect(try await Self.search("wombat", world, world.salesMember).count == 1)
        let committed = try #require(change.withLock { $0 })
        #expect(committed.removed.count == 2 && committed.added.count == 1)
    }

    /// What a new version of a document reuses: each chunk's position, heading path, text and
    /// vector as stored, bit for bit, in order.
    @Test(arguments: StoreBackendKind.allCases) func aDocumentsChunksComeBackAsStored(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let sales = try world.scope(world.salesMember)
        try await world.store.knowledge.createCollection(named: "handbook", in: sales)
        let draft = Self.draft("guide.txt", "First part.\n\nSecond part, with ünïcode and a \u{FFFD}.\n\nThird.")
        let stored = try await world.store.knowledge.store(draft, in: "handbook", scope: sales)
        let chunks = try await world.store.knowledge.chunkDrafts(of: stored.document.id, in: sales)
        #expect(chunks.map(\.index) == [0, 1, 2])
        #expect(chunks.map(\.text) == draft.chunks.map(\.text))
        #expect(chunks.map(\.headingPath) == draft.chunks.map(\.headingPath))
        #expect(chunks.map { $0.embedding.map(\.bitPattern) } == draft.chunks.map { $0.embedding.map(\.bitPattern) })
    }

    @Test(arguments: StoreBackendKind.allCases) func theVersionCountsEveryChangeOfOneTeamsKnowledge(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let sales = try world.scope(world.salesMember)
        let development = try world.scope(world.developmentAdmin)
        let knowledge = world.store.knowledge
        #expect(try await knowledge.version(in: sales) == 0)
        try await knowledge.createCollection(named: "handbook", in: sales)
        try await knowledge.createCollection(named: "empty", in: sales)
        #expect(try await knowledge.version(in: sales) == 0, "an empty collection changes no answer")

        let added = try await knowledge.store(Self.draft("plan.txt", "Quokka pricing."), in: "handbook", scope: sales)
        #expect(try await knowledge.version(in: sales) == 1)
        _ = try await knowledge.store(Self.draft("plan.txt", "Quokka pricing."), in: "handbook", scope: sales)
        #expect(try await knowledge.version(in: sales) == 1, "unchanged content")
        let replaced = try await knowledge.store(Self.draft("plan.txt", "Wombat pricing."), in: "handbook", scope: sales)
        #expect(added.document.id != replaced.document.id)
        #expect(try await knowledge.version(in: sales) == 2)
        try await knowledge.deleteDocument(replaced.document.id, in: "handbook", scope: sales)
        #expect(try await knowledge.version(in: sales) == 3)
        _ = try await knowledge.store(Self.draft("notes.txt", "Numbat notes."), in: "handbook", scope: sales)
        try await knowledge.deleteCollection(named: "handbook", in: sales)
        try await knowledge.deleteCollection(named: "empty", in: sales)
        #expect(try await knowledge.version(in: sales) == 5, "the collection with a document counted, the empty one not")

        await #expect(throws: StoreError.self) {
            try await knowledge.store(Self.draft("x.txt", "Nothing."), in: "handbook", scope: sales)
        }
        #expect(try await knowledge.version(in: sales) == 5, "a refused write counts nothing")
        #expect(try await knowledge.version(in: development) == 0, "another team's version never moves")
    }

    @Test(arguments: StoreBackendKind.allCases) func aFailureHalfwayLeavesNothingBehind(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let scope = try world.scope(world.salesMember)
        try await world.store.knowledge.createCollection(named: "handbook", in: scope)
        _ = try await world.store.knowledge.store(Self.draft("plan.txt", "Quokka pricing."), in: "handbook", scope: scope)
        // Someone with access to the database makes the third chunk of any insert fail.
        try await Self.injectFailure(
            world, sqlite: """
                CREATE TRIGGER fail_third_chunk BEFORE INSERT ON knowledge_chunks WHEN NEW.chunk_index = 2
                BEGIN SELECT RAISE(ABORT, 'injected failure'); END
                """,
            postgres: "BEFORE INSERT ON knowledge_chunks FOR EACH ROW WHEN (NEW.chunk_index = 2)")
        let committed = Mutex(false)
        for name in ["new.txt", "plan.txt"] {
            await #expect(throws: (any Error).self) {
                try await world.store.knowledge.store(
                    Self.draft(name, "Wombat one.\n\nWombat two.\n\nWombat three."), in: "handbook", scope: scope
                ) { _ in committed.withLock { $0 = true } }
            }
        }
        #expect(!committed.withLock { $0 })
        let documents = try await world.store.knowledge.documents(in: "handbook", scope: scope)
        #expect(documents.map(\.name) == ["plan.txt"], "neither the new document nor the replacement is there")
        #expect(try await Self.search("wombat", world, world.salesMember).isEmpty)
        #expect(try await Self.search("quokka", world, world.salesMember).count == 1, "the replaced one survives")
        #expect(try await Self.count("knowledge_chunks", world) == 1)
        try await Self.expectFullTextMatchesChunks(world)
    }

    /// A trigger that aborts the statement it fires on: SQLite's as given, PostgreSQL's from
    /// its timing clause and a function raising an exception.
    static func injectFailure(_ world: StoreWorld, sqlite: String, postgres timing: String) async throws {
        switch world.database.kind {
        case .sqlite:
            try await world.rawConnection().write { db in try db.execute(sql: sqlite) }
        case .postgres:
            try await world.store.backend.write { db in
                try db.execute(
                    """
                    CREATE FUNCTION injected_failure() RETURNS trigger LANGUAGE plpgsql
                    AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$
                    """)
                try db.execute("CREATE TRIGGER injected_failure \(timing) EXECUTE FUNCTION injected_failure()")
            }
        }
    }

    static func count(_ table: String, _ world: StoreWorld) async throws -> Int {
        try #require(try await world.rawRows("SELECT COUNT(*) AS n FROM \(table)").first?.decode(Int.self, forColumn: "n"))
    }

    /// The full-text index holds exactly the stored chunks: FTS5's integrity check on SQLite;
    /// on PostgreSQL postings only of stored chunks, and totals that count every stored chunk.
    static func expectFullTextMatchesChunks(_ world: StoreWorld) async throws {
        switch world.database.kind {
        case .sqlite:
            let teams = try await world.rawRows("SELECT DISTINCT team_id FROM knowledge_chunks")
            for row in teams {
                let table = FullTextTable(team: TeamID(rawValue: try row.decode(String.self, forColumn: "team_id")))
                try await world.store.pool.write { db in
                    try db.execute(sql: "INSERT INTO \(table.quoted)(\(table.quoted)) VALUES('integrity-check')")
                }
            }
        case .postgres:
            let orphans = try await world.rawRows(
                "SELECT 1 FROM knowledge_postings p LEFT JOIN knowledge_chunks c ON c.id = p.chunk_id WHERE c.id IS NULL")
            #expect(orphans.isEmpty, "postings of chunks that are gone")
            let totals = try await world.rawRows(
                """
                SELECT t.team_id, t.chunks, (SELECT COUNT(*) FROM knowledge_chunks c WHERE c.team_id = t.team_id) AS stored
                FROM knowledge_full_text_totals t
                """)
            for row in totals {
                #expect(try row.decode(Int.self, forColumn: "chunks") == row.decode(Int.self, forColumn: "stored"))
            }
        }
    }

    @Test(arguments: StoreBackendKind.allCases) func aFailedDeleteLeavesTheDocumentWhole(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let scope = try world.scope(world.salesMember)
        try await world.store.knowledge.createCollection(named: "handbook", in: scope)
        let stored = try await world.store.knowledge.store(Self.draft("a.txt", "Quokka one.\n\nQuokka two."), in: "handbook", scope: scope)
        // The last statement of a delete fails: the chunks and full-text rows removed before it come back.
        try await Self.injectFailure(
            world,
            sqlite: "CREATE TRIGGER refuse_delete BEFORE DELETE ON knowledge_documents BEGIN SELECT RAISE(ABORT, 'injected'); END",
            postgres: "BEFORE DELETE ON knowledge_documents FOR EACH ROW")
        let committed = Mutex(false)
        await #expect(throws: (any Error).self) {
            try await world.store.knowledge.deleteDocument(stored.document.id, in: "handbook", scope: scope) { _ in
                committed.withLock { $0 = true }
            }
        }
        #expect(!committed.withLock { $0 })
        #expect(try await world.store.knowledge.documents(in: "handbook", scope: scope).first?.chunkCount == 2)
        #expect(try await Self.search("quokka", world, world.salesMember).count == 2)
        try await Self.expectFullTextMatchesChunks(world)
        #expect(try await world.store.knowledge.vectors(in: scope, model: "test-model", dimensions: 4).values.first?.chunkIDs.count == 2)
    }

    @Test(arguments: StoreBackendKind.allCases) func deleteRemovesDocumentChunksVectorsAndFullTextRows(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let scope = try world.scope(world.salesMember)
        try await world.store.knowledge.createCollection(named: "handbook", in: scope)
        let kept = try await world.store.knowledge.store(Self.draft("keep.txt", "Platypus facts."), in: "handbook", scope: scope)
        let gone = try await world.store.knowledge.store(Self.draft("gone.txt", "Quokka one.\n\nQuokka two."), in: "handbook", scope: scope)
        let change = Mutex<KnowledgeChange?>(nil)
        try await world.store.knowledge.deleteDocument(gone.document.id, in: "handbook", scope: scope) { committed in
            change.withLock { $0 = committed }
        }
        #expect(change.withLock { $0 }?.removed.count == 2)
        #expect(try await world.store.knowledge.documents(in: "handbook", scope: scope).map(\.id) == [kept.document.id])
        #expect(try await Self.search("quokka", world, world.salesMember).isEmpty)
        let vectors = try await world.store.knowledge.vectors(in: scope, model: "test-model", dimensions: 4)
        #expect(vectors.values.reduce(0) { $0 + $1.chunkIDs.count } == 1)
        // The index holds exactly the remaining chunk (with a single team, FTS5's shared content
        // view holds only that team's rows, so its integrity check applies).
        try await Self.expectFullTextMatchesChunks(world)
        await #expect(throws: StoreError.notFound(kind: "document", address: gone.document.id.rawValue)) {
            try await world.store.knowledge.deleteDocument(gone.document.id, in: "handbook", scope: scope)
        }
    }

    @Test(arguments: StoreBackendKind.allCases) func deletingACollectionRemovesEverythingInIt(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let scope = try world.scope(world.salesMember)
        try await world.store.knowledge.createCollection(named: "handbook", in: scope)
        _ = try await world.store.knowledge.store(Self.draft("a.txt", "Quokka.\n\nWombat."), in: "handbook", scope: scope)
        let change = Mutex<KnowledgeChange?>(nil)
        try await world.store.knowledge.deleteCollection(named: "handbook", in: scope) { committed in
            change.withLock { $0 = committed }
        }
        #expect(change.withLock { $0 }?.removed.count == 2)
        #expect(try await world.store.knowledge.collections(in: scope).isEmpty)
        #expect(try await Self.count("knowledge_chunks", world) + Self.count("knowledge_documents", world) == 0)
        try await Self.expectFullTextMatchesChunks(world)
        try await world.store.knowledge.createCollection(named: "handbook", in: scope)
        #expect(try await Self.search("quokka", world, world.salesMember).isEmpty)
    }

    @Test(arguments: StoreBackendKind.allCases) func collectionNamesAreUniquePerTeam(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        try await world.store.knowledge.createCollection(named: "handbook", in: world.scope(world.salesMember))
        try await world.store.knowledge.createCollection(named: "handbook", in: world.scope(world.developmentAdmin))
        await #expect(throws: StoreError.nameTaken(kind: "collection", name: "Handbook")) {
            try await world.store.knowledge.createCollection(named: "Handbook", in: world.scope(world.salesAdmin))
        }
        await #expect(throws: DirectoryError.self) {
            try await world.store.knowledge.createCollection(named: "two words", in: world.scope(world.salesAdmin))
        }
    }

    @Test(arguments: StoreBackendKind.allCases) func developmentCannotReachSalesKnowledge(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let sales = try world.scope(world.salesMember)
        let development = try world.scope(world.developmentAdmin)
        try await world.store.knowledge.createCollection(named: "handbook", in: sales)
        try await world.store.knowledge.createCollection(named: "notes", in: development)
        let stored = try await world.store.knowledge.store(Self.draft("deal.txt", "Quokka discount."), in: "handbook", scope: sales)
        let salesChunks = try await Self.search("quokka", world, world.salesMember)
        #expect(salesChunks.count == 1, "same team finds it")

        #expect(try await world.store.knowledge.collections(in: development).map(\.name) == ["notes"])
        #expect(try await world.store.knowledge.collection(named: "handbook", in: development) == nil)
        await #expect(throws: StoreError.notFound(kind: "collection", address: "handbook")) {
            try await world.store.knowledge.documents(in: "handbook", scope: development)
        }
        await #expect(throws: StoreError.notFound(kind: "collection", address: "handbook")) {
            try await world.store.knowledge.deleteDocument(stored.document.id, in: "handbook", scope: development)
        }
        #expect(try await world.store.knowledge.chunks(salesChunks, in: development).isEmpty, "chunk ids alone reach nothing")
        #expect(try await world.store.knowledge.chunkDrafts(of: stored.document.id, in: development).isEmpty, "nor a document id")
        #expect(try await world.store.knowledge.vectors(in: development, model: "test-model", dimensions: 4).isEmpty)
        let salesCollection = try #require(try await world.store.knowledge.collection(named: "handbook", in: sales))
        let fullText = try await world.store.knowledge.fullTextSearch(
            try #require(FullTextQuery("quokka")), collections: [salesCollection.id], limit: 10, in: development)
        #expect(fullText.isEmpty, "even the other team's collection id finds nothing")
    }

    /// BM25 depends on how many chunks hold a word; with one full-text table per team,
    /// another team's documents never move this team's scores.
    @Test(arguments: StoreBackendKind.allCases) func bm25ScoresOfOneTeamDoNotMoveWithAnotherTeamsDocuments(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let sales = try world.scope(world.salesMember)
        let development = try world.scope(world.developmentAdmin)
        try await world.store.knowledge.createCollection(named: "handbook", in: sales)
        try await world.store.knowledge.createCollection(named: "handbook", in: development)
        _ = try await world.store.knowledge.store(Self.draft("a.txt", "Quokka pricing.\n\nWombat terms."), in: "handbook", scope: sales)
        let collection = try #require(try await world.store.knowledge.collection(named: "handbook", in: sales))
        let query = try #require(FullTextQuery("quokka pricing"))
        let before = try await world.store.knowledge.fullTextSearch(query, collections: [collection.id], limit: 5, in: sales)
        for index in 0..<20 {
            _ = try await world.store.knowledge.store(
                Self.draft("d\(index).txt", "Quokka quokka pricing \(index)."), in: "handbook", scope: development)
        }
        let after = try await world.store.knowledge.fullTextSearch(query, collections: [collection.id], limit: 5, in: sales)
        #expect(before.map(\.score) == after.map(\.score) && !before.isEmpty)
    }

    @Test(arguments: StoreBackendKind.allCases) func badDraftsAreRefusedBeforeTheDatabase(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let scope = try world.scope(world.salesMember)
        try await world.store.knowledge.createCollection(named: "handbook", in: scope)
        let good = Self.draft("a.txt", "One.\n\nTwo.")
        let mixed = DocumentDraft(
            name: "a.txt", format: "text", contentHash: good.contentHash, byteCount: 8, embeddingModel: "m",
            chunks: [good.chunks[0], ChunkDraft(index: 1, text: "x", headingPath: [], embedding: [1, 0])])
        await #expect(throws: StoreError.self) { try await world.store.knowledge.store(mixed, in: "handbook", scope: scope) }
        let unnamed = DocumentDraft(
            name: "bad\u{0}name", format: "text", contentHash: good.contentHash, byteCount: 8, embeddingModel: "m", chunks: good.chunks)
        await #expect(throws: StoreError.self) { try await world.store.knowledge.store(unnamed, in: "handbook", scope: scope) }
        await #expect(throws: StoreError.notFound(kind: "collection", address: "missing")) {
            try await world.store.knowledge.store(good, in: "missing", scope: scope)
        }
    }
}
