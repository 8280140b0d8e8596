import Foundation
import GRDB
import Testing
@testable import Store
import Tenancy

/// The document's name is a full-text field of its own (migration `v13-knowledge-title-field`):
/// found by BM25, weighed apart from the body, migrated for documents stored before it, and
/// never a way to another team's chunks.
@Suite struct KnowledgeTitleFieldTests {
    @Test(arguments: StoreBackendKind.allCases) func aWordOfTheDocumentNameFindsItsChunks(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let sales = try world.scope(world.salesMember)
        try await world.store.knowledge.createCollection(named: "handbook", in: sales)
        _ = try await world.store.knowledge.store(
            KnowledgeRepositoryTests.draft("quokka-pricing.txt", "Forty euros per seat."), in: "handbook", scope: sales)
        let found = try await KnowledgeRepositoryTests.search("quokka", world, world.salesMember)
        #expect(found.count == 1)
        let deleted = try #require(try await world.store.knowledge.documents(in: "handbook", scope: sales).first)
        try await world.store.knowledge.deleteDocument(deleted.id, in: "handbook", scope: sales)
        #expect(try await KnowledgeRepositoryTests.search("quokka", world, world.salesMember).isEmpty, "forgotten with its title")
    }

    @Test(arguments: StoreBackendKind.allCases) func developmentCannotFindSalesDocumentsByTheirNames(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let sales = try world.scope(world.salesMember)
        let development = try world.scope(world.developmentAdmin)
        try await world.store.knowledge.createCollection(named: "handbook", in: sales)
        try await world.store.knowledge.createCollection(named: "handbook", in: development)
        _ = try await world.store.knowledge.store(
            KnowledgeRepositoryTests.draft("quokka-pricing.txt", "Forty euros per seat."), in: "handbook", scope: sales)
        #expect(try await KnowledgeRepositoryTests.search("quokka", world, world.salesMember).count == 1)
        #expect(try await KnowledgeRepositoryTests.search("quokka", world, world.developmentAdmin).isEmpty)
        let all = try await world.store.knowledge.fullTextSearch(
            try #require(FullTextQuery("quokka")), collections: nil, limit: 10, in: development)
        #expect(all.isEmpty)
        let salesChunks = try await KnowledgeRepositoryTests.search("quokka", world, world.salesMember)
        #expect(try await world.store.knowledge.documentIDs(ofChunks: salesChunks, in: development).isEmpty)
        #expect(try await world.store.knowledge.documentIDs(ofChunks: salesChunks, in: sales).count == 1)
    }

    @Test func theMigrationIndexesTheNamesOfDocumentsStoredBeforeIt() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-v13-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(AtriumStore.fileName).path
        let table = FullTextTable(team: TeamID(rawValue: "team_s"))
        do {
            let queue = try DatabaseQueue(path: path)
            try SchemaMigrations.migrator.migrate(queue, upTo: "v12-audit-client-address")
            try await queue.write { db in
                // The rows and the full-text table as a v12 server wrote them.
                try db.execute(
                    sql: """
                        INSERT INTO organizations (id, name, created_at) VALUES ('org_a', 'acme', 0);
                        INSERT INTO teams (id, organization_id, name, created_at) VALUES ('team_s', 'org_a', 'sales', 0);
                        INSERT INTO knowledge_collections (id, team_id, organization_id, name, created_at)
                            VALUES ('col_h', 'team_s', 'org_a', 'handbook', 0);
                        INSERT INTO knowledge_documents (id, collection_id, team_id, name, format, content_hash, byte_count,
                            embedding_model, created_at)
                            VALUES ('doc_q', 'col_h', 'team_s', 'quokka-pricing.txt', 'text', '\(String(repeating: "a", count: 64))',
                                21, 'test-model', 0);
                        INSERT INTO knowledge_chunks (document_id, collection_id, team_id, chunk_index, heading_path, text, embedding)
                            VALUES ('doc_q', 'col_h', 'team_s', 0, '[]', 'Forty euros per seat.', x'00000000');
                        CREATE VIRTUAL TABLE \(table.quoted) USING fts5(
                            text, heading_path, content='knowledge_chunks', content_rowid='id',
                            tokenize='unicode61 remove_diacritics 2');
                        INSERT INTO \(table.quoted) (rowid, text, heading_path) SELECT id, text, heading_path FROM knowledge_chunks;
                        """)
            }
        }
        let store = try AtriumStore(home: directory)
        #expect(try await store.appliedMigrations().contains("v13-knowledge-title-field"))
        let matches = try await store.pool.read { db in
            (try Int64.fetchAll(db, sql: "SELECT rowid FROM \(table.quoted) WHERE \(table.quoted) MATCH 'title : quokka'"),
             try Int64.fetchAll(db, sql: "SELECT rowid FROM \(table.quoted) WHERE \(table.quoted) MATCH 'euros'"))
        }
        #expect(matches.0.count == 1 && matches.1 == matches.0, "the name and the text of the old chunk are both indexed")
        try await store.pool.write { db in try table.forget(document: DocumentID(rawValue: "doc_q"), GRDBConnection(db: db)) }
        let left = try await store.pool.read { db in
            try Int64.fetchAll(db, sql: "SELECT rowid FROM \(table.quoted) WHERE \(table.quoted) MATCH 'quokka OR euros'")
        }
        #expect(left.isEmpty, "the migrated rows can be forgotten with the new columns")
    }
}
