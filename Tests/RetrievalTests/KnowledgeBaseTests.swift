import Foundation
import Store
import Testing
@testable import Retrieval

/// Ingestion and hybrid search end to end with the real all-MiniLM-L6-v2.
@Suite(.serialized) struct KnowledgeBaseTests {
    static let salesDocuments = [
        "pricing.md": """
            # Aurora pricing

            The Aurora Plus plan costs 49 euros per seat per month and includes priority onboarding.

            Nonprofits receive a forty percent discount on every Aurora plan.
            """,
        "objections.txt": "When a prospect says the price is too high, remind them that Aurora Plus pays for itself within two quarters.",
    ]
    static let developmentDocuments = [
        "build.md": """
            # Building the service

            Run swift build with the release configuration before you benchmark anything.

            The test suite needs the fetched models: run scripts/fetch-models first.
            """,
        "deploy.txt": "Deployments roll out through the staging cluster and need two approvals in the merge request.",
    ]

    static func upload(_ name: String, _ text: String) -> DocumentUpload {
        DocumentUpload(name: name, data: Data(text.utf8), contentType: nil)
    }

    /// Both teams with their documents in a collection called `handbook`.
    static func populated(_ backend: KnowledgeWorld.Backend = .sqlite) async throws -> (KnowledgeWorld, KnowledgeBase) {
        let world = try await KnowledgeWorld.make(backend)
        let knowledge = try world.knowledgeBase()
        for (scope, documents) in [(world.sales, salesDocuments), (world.development, developmentDocuments)] {
            _ = try await knowledge.createCollection(named: "handbook", in: scope)
            for (name, text) in documents.sorted(by: { $0.key < $1.key }) {
                let write = try await knowledge.ingest(upload(name, text), into: "handbook", scope: scope)
                #expect(write.status == "added")
            }
        }
        return (world, knowledge)
    }

    static func names(_ hits: [SearchHit]) -> [String] { hits.map(\.chunk.documentName) }

    @Test(arguments: KnowledgeWorld.Backend.allCases) func ingestedDocumentsAreFoundInEveryMode(_ backend: KnowledgeWorld.Backend) async throws {
        let (world, knowledge) = try await Self.populated(backend)
        for mode in SearchMode.allCases {
            let hits = try await knowledge.search(
                try SearchRequest(query: "How much does Aurora Plus cost per seat?", topK: 2, mode: mode), in: world.sales)
            #expect(hits.first?.chunk.documentName == "pricing.md", "\(mode): \(Self.names(hits))")
            #expect(hits.allSatisfy { $0.score > 0 })
        }
    }

    @Test(arguments: KnowledgeWorld.Backend.allCases) func reingestingUnchangedContentAddsNothing(_ backend: KnowledgeWorld.Backend) async throws {
        let (world, knowledge) = try await Self.populated(backend)
        let before = try await knowledge.documents(in: "handbook", scope: world.sales)
        _ = try await knowledge.search(try SearchRequest(query: "discount", topK: 3), in: world.sales)
        let vectorsBefore = knowledge.index.loadedCount(for: world.sales)
        let revision = knowledge.index.revision(for: world.sales)
        #expect(revision == UInt64(Self.salesDocuments.count), "one committed change per added document")
        for (name, text) in Self.salesDocuments {
            let write = try await knowledge.ingest(Self.upload(name, text), into: "handbook", scope: world.sales)
            #expect(write.status == "unchanged")
            #expect(before.contains { $0.id == write.document.id })
        }
        #expect(try await knowledge.documents(in: "handbook", scope: world.sales) == before)
        #expect(knowledge.index.loadedCount(for: world.sales) == vectorsBefore)
        #expect(knowledge.index.revision(for: world.sales) == revision, "nothing changed, nothing committed")
        // The same bytes declared as another format are read again (attack round 7: a wrongly
        // typed document answered "unchanged" and could not be corrected by uploading it again).
        let page = Data("<h1>Returns</h1><p>Returns are free within <b>30 days</b>.</p>".utf8)
        let typed = try await knowledge.ingest(
            DocumentUpload(name: "returns", data: page, contentType: "text/html"), into: "handbook", scope: world.sales)
        let retyped = try await knowledge.ingest(
            DocumentUpload(name: "returns", data: page, contentType: "text/plain"), into: "handbook", scope: world.sales)
        #expect(typed.document.format == "html" && retyped.status == "replaced" && retyped.document.format == "text")
    }

    @Test(arguments: KnowledgeWorld.Backend.allCases) func aChangedDocumentReplacesTheOldOneAtOnce(_ backend: KnowledgeWorld.Backend) async throws {
        let (world, knowledge) = try await Self.populated(backend)
        let query = try SearchRequest(query: "Aurora Plus pays for itself within two quarters", topK: 5)
        #expect(Self.names(try await knowledge.search(query, in: world.sales)).contains("objections.txt"))
        let write = try await knowledge.ingest(
            Self.upload("objections.txt", "Answer budget worries with the annual billing option of the Borealis plan."),
            into: "handbook", scope: world.sales)
        #expect(write.status == "replaced")
        let hits = try await knowledge.search(query, in: world.sales)
        #expect(!hits.contains { $0.chunk.text.contains("two quarters") }, "the old text is gone from search at once")
        let borealis = try await knowledge.search(try SearchRequest(query: "Borealis annual billing", topK: 1), in: world.sales)
        #expect(borealis.first?.chunk.documentID == write.document.id)
    }

    /// A new version of a document embeds (and is charged for) only the chunks it changed; the
    /// vectors it keeps are the ones embedding it afresh gives, bit for bit. Only the team's own
    /// previous version counts: the other team's upload of the same text embeds everything.
    @Test(arguments: KnowledgeWorld.Backend.allCases) func anEditedDocumentEmbedsOnlyTheChunksItChanged(_ backend: KnowledgeWorld.Backend) async throws {
        let world = try await KnowledgeWorld.make(backend)
        let knowledge = try world.knowledgeBase()
        func guide(_ middle: String) -> String {
            """
            # Onboarding

            New hires get a laptop and a badge on their first morning.

            # Travel

            \(middle)

            # Expenses

            Receipts are filed within thirty days through the finance portal.
            """
        }
        for scope in [world.sales, world.development] {
            _ = try await knowledge.createCollection(named: "handbook", in: scope)
            _ = try await knowledge.createCollection(named: "fresh", in: scope)
        }
        let first = try await knowledge.ingestCounted(
            Self.upload("guide.md", guide("Book trains for trips under four hours.")), into: "handbook", scope: world.sales)
        #expect(first.write.status == "added" && first.write.document.chunkCount == 3 && first.reusedChunks == 0)

        let edited = guide("Book flights only for trips over six hours, in economy.")
        let second = try await knowledge.ingestCounted(Self.upload("guide.md", edited), into: "handbook", scope: world.sales)
        #expect(second.write.status == "replaced" && second.reusedChunks == 2)
        let afresh = try await knowledge.ingestCounted(Self.upload("guide.md", edited), into: "fresh", scope: world.sales)
        #expect(afresh.write.status == "added" && afresh.reusedChunks == 0)
        #expect(second.chargedTokens > 0 && second.chargedTokens * 2 < afresh.chargedTokens, "one chunk of three")

        let kept = try await world.store.knowledge.chunkDrafts(of: second.write.document.id, in: world.sales)
        let fresh = try await world.store.knowledge.chunkDrafts(of: afresh.write.document.id, in: world.sales)
        #expect(kept.map(\.text) == fresh.map(\.text))
        #expect(kept.map { $0.embedding.map(\.bitPattern) } == fresh.map { $0.embedding.map(\.bitPattern) })

        let otherTeam = try await knowledge.ingestCounted(Self.upload("guide.md", edited), into: "handbook", scope: world.development)
        #expect(otherTeam.write.status == "added" && otherTeam.reusedChunks == 0)
        #expect(otherTeam.chargedTokens == afresh.chargedTokens)
    }

    /// A chunk that occurs twice in one upload is embedded once (the model reads it once), and
    /// charged for each copy stored.
    @Test func aRepeatedChunkIsEmbeddedOnce() async throws {
        let world = try await KnowledgeWorld.make()
        let knowledge = try world.knowledgeBase()
        _ = try await knowledge.createCollection(named: "handbook", in: world.sales)
        let section = "# Support\n\nCall the help desk at extension 4411 for anything broken."
        let once = try await knowledge.ingestCounted(Self.upload("once.md", section), into: "handbook", scope: world.sales)
        let read = EmbeddingSpend()
        let twice = try await EmbeddingSpend.$current.withValue(read) {
            try await knowledge.ingestCounted(
                Self.upload("twice.md", section + "\n\n" + section), into: "handbook", scope: world.sales)
        }
        #expect(once.write.document.chunkCount == 1 && twice.write.document.chunkCount == 2)
        #expect(read.tokens == once.chargedTokens, "the model read the chunk once")
        #expect(twice.chargedTokens == 2 * once.chargedTokens)
    }

    @Test(arguments: KnowledgeWorld.Backend.allCases) func aDeletedDocumentDisappearsFromSearchAtOnce(_ backend: KnowledgeWorld.Backend) async throws {
        let (world, knowledge) = try await Self.populated(backend)
        let question = "Which discount do nonprofits receive?"
        let before = try await knowledge.search(try SearchRequest(query: question, topK: 3), in: world.sales)
        let pricing = try #require(before.first { $0.chunk.documentName == "pricing.md" })
        let revision = knowledge.index.revision(for: world.sales)
        try await knowledge.deleteDocument(pricing.chunk.documentID, in: "handbook", scope: world.sales)
        #expect(knowledge.index.revision(for: world.sales) == revision + 1)
        #expect(knowledge.index.revision(for: world.development) == UInt64(Self.developmentDocuments.count))
        for mode in SearchMode.allCases {
            let after = try await knowledge.search(try SearchRequest(query: question, topK: 5, mode: mode), in: world.sales)
            #expect(!Self.names(after).contains("pricing.md"), "\(mode)")
        }
    }

    @Test(arguments: KnowledgeWorld.Backend.allCases) func developmentCannotFindAnExactSalesSentence(_ backend: KnowledgeWorld.Backend) async throws {
        let (world, knowledge) = try await Self.populated(backend)
        let sentence = "Nonprofits receive a forty percent discount on every Aurora plan."
        let own = try await knowledge.search(try SearchRequest(query: sentence, topK: 3), in: world.sales)
        #expect(own.first?.chunk.text.contains(sentence) == true, "the same team finds it first")
        for mode in SearchMode.allCases {
            let other = try await knowledge.search(try SearchRequest(query: sentence, topK: 5, mode: mode), in: world.development)
            #expect(other.isEmpty, "\(mode): \(Self.names(other))")
        }
    }

    @Test(arguments: KnowledgeWorld.Backend.allCases) func vectorsAreLoadedFromTheStoreByANewServer(_ backend: KnowledgeWorld.Backend) async throws {
        let (world, _) = try await Self.populated(backend)
        let restarted = try world.knowledgeBase()
        #expect(restarted.index.loadedCount(for: world.development) == nil)
        let hits = try await restarted.search(
            try SearchRequest(query: "How many approvals does a deployment need?", topK: 1, mode: .vector), in: world.development)
        #expect(hits.first?.chunk.documentName == "deploy.txt")
        let stored = try await restarted.collections(in: world.development).reduce(0) { $0 + $1.chunkCount }
        #expect(stored > 0 && restarted.index.loadedCount(for: world.development) == stored)
    }

    @Test(arguments: KnowledgeWorld.Backend.allCases) func unreadableUploadsLeaveNothingBehind(_ backend: KnowledgeWorld.Backend) async throws {
        let (world, knowledge) = try await Self.populated(backend)
        await #expect(throws: LoadingError.unsupportedFormat(fileName: "tool.exe", contentType: nil)) {
            try await knowledge.ingest(Self.upload("tool.exe", "MZ"), into: "handbook", scope: world.sales)
        }
        await #expect(throws: LoadingError.binaryContent(fileName: "notes.txt")) {
            try await knowledge.ingest(
                DocumentUpload(name: "notes.txt", data: Data([0x41, 0x00, 0x42]), contentType: nil), into: "handbook",
                scope: world.sales)
        }
        await #expect(throws: StoreError.notFound(kind: "collection", address: "missing")) {
            try await knowledge.ingest(Self.upload("a.txt", "text"), into: "missing", scope: world.sales)
        }
        #expect(try await knowledge.documents(in: "handbook", scope: world.sales).count == 2)
    }

    @Test func searchParametersAreChecked() {
        #expect(throws: KnowledgeError.self) { try SearchRequest(query: "   ", topK: 3) }
        #expect(throws: KnowledgeError.self) { try SearchRequest(query: "x", topK: 0) }
        #expect(throws: KnowledgeError.self) { try SearchRequest(query: "x", topK: 51) }
    }
}
