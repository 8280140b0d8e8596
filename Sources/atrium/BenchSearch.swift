import ArgumentParser
import Foundation
import Inference
import Retrieval
import Store
import Tenancy

/// `atrium bench-search` (hidden): search latency of one team holding N chunks, and
/// ingestion chunks/s end to end, in a temporary store.
///
/// Search uses synthetic vectors and text (``SyntheticCorpus``) so that 100k chunks take
/// minutes, not hours, to set up; the query-embedding time of the real model, which a real
/// search adds, is measured on its own. Ingestion runs the whole path with the real model:
/// load, chunk, embed, store, index.
struct BenchSearch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-search", abstract: "Measure knowledge search latency and ingestion speed.", shouldDisplay: false)

    @Option(help: "Chunks the team holds; repeat for several sizes.")
    var chunks: [Int] = [10_000, 100_000]

    @Option(help: "Timed searches per size and mode (after 10 warm-up searches).")
    var queries = 200

    @Option(name: .customLong("top-k"), help: "Results per search.")
    var topK = 4

    @Option(name: .customLong("embedding-model"), help: "Model for the ingestion run and the query-embedding timing.")
    var embeddingModel = "minilm-l6"

    @Option(name: .customLong("ingest-documents"), help: "Documents of about 1,500 words for the ingestion run (0: skip).")
    var ingestDocuments = 20

    @Option(help: "Embedding threads (default: all cores).")
    var threads = ThreadPool.availableCores

    @Option(
        name: .customLong("database"),
        help: "An empty PostgreSQL database (postgres://…) to measure search on beside SQLite, size by size; it is migrated and given one organization per size.")
    var database: String?

    func validate() throws {
        guard !chunks.isEmpty, chunks.allSatisfy({ $0 >= 100 }) else { throw ValidationError("--chunks must be at least 100") }
        guard queries >= 1, (1...SearchRequest.maximumTopK).contains(topK) else {
            throw ValidationError("--queries must be ≥ 1 and --top-k 1…\(SearchRequest.maximumTopK)")
        }
    }

    func run() async throws {
        var postgres: (store: AtriumStore, owner: Principal)?
        if let database {
            guard let location = try PostgresLocation(url: database) else {
                throw ValidationError("--database must be a postgres:// URL")
            }
            let store = AtriumStore(postgres: location)
            try await store.requireRowLevelSecurity()
            try await store.migrate()
            guard let ownerKey = try await store.bootstrapOwnerIfEmpty(presetKey: nil) else {
                throw ValidationError("bench-search needs an empty database")
            }
            postgres = (store, try await KeyAuthenticator(lookup: store.keys).authenticate(presentedKey: ownerKey))
        }
        for count in chunks {
            try await searchLatency(of: try await BenchTeam.make(), chunks: count, backend: "sqlite")
            if let postgres {
                let team = try await BenchTeam.make(in: postgres.store, owner: postgres.owner, organization: "bench-\(count)")
                try await searchLatency(of: team, chunks: count, backend: "postgres")
            }
        }
        let folder = try? ModelLocator().folderPath(for: embeddingModel)
        guard let folder else {
            print("embedding model '\(embeddingModel)' not found: query embedding and ingestion not measured")
            return
        }
        let embedder = try SentenceEmbedder(folder: folder, threads: threads)
        try queryEmbedding(embedder)
        if ingestDocuments > 0 { try await ingestion(embedder) }
    }

    private func searchLatency(of bench: BenchTeam, chunks count: Int, backend: String) async throws {
        defer { bench.remove() }
        let knowledge = KnowledgeBase(
            store: bench.store, embeddings: EmbeddingQueue(embedder: SyntheticEmbedder(dimensions: 384), modelID: "synthetic"))
        var corpus = SyntheticCorpus(seed: 42)
        let fill = ContinuousClock.now
        let queryTexts = try await bench.fill(knowledge, chunks: count, corpus: &corpus)
        let filled = fill.duration(to: .now)
        let load = ContinuousClock.now
        _ = try await knowledge.search(try SearchRequest(query: queryTexts[0], topK: topK, mode: .vector), in: bench.scope)
        let loaded = load.duration(to: .now)
        print("\(backend): \(count) chunks: stored in \(Self.format(filled)), vectors loaded into memory in \(Self.format(loaded))")
        for mode in SearchMode.allCases {
            var times: [Duration] = []
            for round in 0..<(queries + 10) {
                let request = try SearchRequest(query: queryTexts[round % queryTexts.count], topK: topK, mode: mode)
                let start = ContinuousClock.now
                _ = try await knowledge.search(request, in: bench.scope)
                if round >= 10 { times.append(start.duration(to: .now)) }
            }
            print("  \(mode.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)) p50 \(Self.format(Self.percentile(times, 0.5)))  p99 \(Self.format(Self.percentile(times, 0.99)))")
        }
    }

    private func queryEmbedding(_ embedder: SentenceEmbedder) throws {
        var corpus = SyntheticCorpus(seed: 7)
        var times: [Duration] = []
        for round in 0..<60 {
            let query = corpus.words(8)
            let start = ContinuousClock.now
            _ = try embedder.embed([query])
            if round >= 10 { times.append(start.duration(to: .now)) }
        }
        print("query embedding (\(threads) threads): p50 \(Self.format(Self.percentile(times, 0.5)))  p99 \(Self.format(Self.percentile(times, 0.99)))")
    }

    private func ingestion(_ embedder: SentenceEmbedder) async throws {
        let bench = try await BenchTeam.make()
        defer { bench.remove() }
        let knowledge = KnowledgeBase(store: bench.store, embeddings: EmbeddingQueue(embedder: embedder, modelID: "bench"))
        _ = try await knowledge.createCollection(named: "ingest", in: bench.scope)
        var corpus = SyntheticCorpus(seed: 9)
        let documents = (0..<ingestDocuments).map { _ in
            (0..<15).map { _ in corpus.words(100) + "." }.joined(separator: "\n\n")
        }
        let start = ContinuousClock.now
        var chunkCount = 0
        for (index, text) in documents.enumerated() {
            let write = try await knowledge.ingest(
                DocumentUpload(name: "doc\(index).txt", data: Data(text.utf8), contentType: nil), into: "ingest", scope: bench.scope)
            chunkCount += write.document.chunkCount
        }
        let elapsed = start.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(String(format: "ingestion: %ld documents, %ld chunks in %.1f s: %.1f chunks/s (%ld threads)",
                     documents.count, chunkCount, seconds, Double(chunkCount) / seconds, threads))
    }

    static func percentile(_ times: [Duration], _ fraction: Double) -> Duration {
        let sorted = times.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.down)))]
    }

    static func format(_ duration: Duration) -> String {
        let milliseconds = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return milliseconds < 10 ? String(format: "%.2f ms", milliseconds) : String(format: "%.0f ms", milliseconds)
    }
}

/// A temporary store (or a given one) with one organization, one team and the scope of one
/// member's key.
struct BenchTeam {
    /// The temporary SQLite folder, removed by ``remove()`` (nil for a given store).
    let directory: URL?
    let store: AtriumStore
    let scope: TenantScope

    static func make() async throws -> BenchTeam {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-bench-\(UUID().uuidString)")
        let store = try AtriumStore(home: directory)
        guard let ownerKey = try await store.bootstrapOwnerIfEmpty(presetKey: nil) else { throw IngestError("store not empty") }
        let owner = try await KeyAuthenticator(lookup: store.keys).authenticate(presentedKey: ownerKey)
        let team = try await make(in: store, owner: owner, organization: "bench")
        return BenchTeam(directory: directory, store: store, scope: team.scope)
    }

    /// A new organization called `organization` in `store`, with its team and member.
    static func make(in store: AtriumStore, owner: Principal, organization name: String) async throws -> BenchTeam {
        let authenticator = KeyAuthenticator(lookup: store.keys)
        let organization = try await store.organizations.create(named: name, Policy.authorize(owner, .createOrganization, on: .platform))
        let team = try await store.teams.create(named: "team", Policy.authorize(owner, .createTeam, on: organization.resource))
        let user = try await store.users.create(named: "\(name)-member", email: nil, Policy.authorize(owner, .createUser, on: .userDirectory))
        try await store.memberships.setTeamRole(.member, for: user.id, Policy.authorize(owner, .addMember, on: team.resource))
        let issued = try await store.keys.issue(
            KeyRequest(holder: user.id, binding: .team(team.reference), role: .member, name: "bench"),
            Policy.authorize(owner, .issueKey, on: team.resource))
        let principal = try await authenticator.authenticate(presentedKey: issued.secret.revealed)
        guard let scope = principal.tenantScope else { throw IngestError("no team scope") }
        return BenchTeam(directory: nil, store: store, scope: scope)
    }

    /// Stores `count` chunks of 120 words (five distinctive ones, then common text), 100 per
    /// document, straight into the store (with synthetic vectors: the model's cost is not what
    /// this measures). Returns queries: the distinctive words of chunks spread over the collection.
    func fill(_ knowledge: KnowledgeBase, chunks count: Int, corpus: inout SyntheticCorpus) async throws -> [String] {
        var queries: [String] = []
        _ = try await knowledge.createCollection(named: "bench", in: scope)
        let embedder = SyntheticEmbedder(dimensions: 384)
        var made = 0
        var document = 0
        while made < count {
            let size = min(100, count - made)
            let texts = (0..<size).map { _ in corpus.title(SyntheticEmbedder.seedWords) + " " + corpus.words(115) }
            queries.append(texts[document % size].split(separator: " ").prefix(SyntheticEmbedder.seedWords).joined(separator: " "))
            let vectors = try embedder.embed(texts)
            let body = texts.joined(separator: "\n\n")
            let draft = DocumentDraft(
                name: "doc\(document).txt", format: "text", contentHash: ContentHash.of(Data(body.utf8)),
                byteCount: body.utf8.count, embeddingModel: "synthetic",
                chunks: zip(texts, vectors).enumerated().map { index, pair in
                    ChunkDraft(index: index, text: pair.0, headingPath: [], embedding: pair.1)
                })
            _ = try await store.knowledge.store(draft, in: "bench", scope: scope)
            made += size
            document += 1
        }
        return queries
    }

    func remove() {
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }
}
