import Dispatch
import Foundation
import Inference
import Synchronization
import Testing
@testable import Retrieval

/// The embedding queue shares the model fairly between teams (issue 12: one team's bulk
/// embedding took another team's search from 7 ms to 43 s).
///
/// No test here reads a clock: fairness is the order of the model passes. The first pass is
/// held until every request is queued, so the order cannot depend on how busy the machine is.
/// With every pass costing the same (``PassLoggingEmbedder``'s premise), a query that starts
/// beside one other pass takes at most twice its idle time (the two share the model).
@Suite("Embedding queue", .timeLimit(.minutes(3)))
struct EmbeddingQueueTests {
    static func texts(_ prefix: String, _ count: Int) -> [String] {
        (0..<count).map { "\(prefix) \($0) about refunds billing and the annual plan" }
    }

    @Test("another team's query waits behind one pass of a team's two 256-input batches, not behind them")
    func otherTeamsQueryOvertakesBulkEmbedding() async throws {
        let world = try await KnowledgeWorld.make()
        let embedder = PassLoggingEmbedder(holdingFirstPass: true)
        let queue = EmbeddingQueue(embedder: embedder, modelID: "test-double", passTokens: 64)
        let bulk = Task {
            async let first = queue.embed(Self.texts("first", 256), for: world.sales, lane: .interactive)
            async let second = queue.embed(Self.texts("second", 256), for: world.sales, lane: .interactive)
            return try await (first.vectors.count, second.vectors.count)
        }
        try await Self.until { embedder.passes.count == 1 && queue.queuedJobs(of: world.sales.teamID) == 2 }
        // B's query is served while A's first pass is still held: it never waits behind it.
        let answer = try await queue.embed(["B's query"], for: world.development, lane: .interactive)
        embedder.releaseFirstPass()
        let counts = try await bulk.value
        #expect(answer.vectors.count == 1)
        #expect(counts.0 == 256 && counts.1 == 256)
        let passes = embedder.passes
        let queryPass = try #require(passes.firstIndex { $0 == ["B's query"] })
        #expect(queryPass == 1, "B's query came after \(queryPass) of the other team's \(passes.count - 1) passes")
        #expect(passes.count > 20, "the batches were cut into passes: \(passes.count)")
        // In passes, B's latency was 2 (the one in flight, then its own); idle it is 1.
        #expect(queryPass + 1 <= 2 * 1)
    }

    @Test("another team's work never waits behind a team's pass in flight, and one team never takes both workers")
    func teamsNeverWaitBehindAnotherTeamsPass() async throws {
        let world = try await KnowledgeWorld.make()
        let embedder = PassLoggingEmbedder(holdingFirstPass: true)
        let queue = EmbeddingQueue(embedder: embedder, modelID: "test-double", passTokens: 24)
        let sales = Task { try await queue.embed(Self.texts("sales", 40), for: world.sales, lane: .bulk) }
        try await Self.until { embedder.passes.count == 1 }
        // Sales' first pass is held: development's whole bulk request is served meanwhile, on
        // the other worker, and sales gets no second pass while its first is in flight.
        let development = try await queue.embed(Self.texts("development", 40), for: world.development, lane: .bulk)
        #expect(development.vectors.count == 40)
        let owners = embedder.passes.map { $0[0].hasPrefix("sales") ? "S" : "D" }.joined()
        #expect(owners.hasPrefix("SD") && owners.dropFirst().allSatisfy { $0 == "D" }, "\(owners)")
        embedder.releaseFirstPass()
        #expect(try await sales.value.vectors.count == 40)
    }

    @Test("a team's query goes before the team's own bulk work, after at most the pass in flight")
    func ownQueryBeforeOwnBulk() async throws {
        let world = try await KnowledgeWorld.make()
        let embedder = PassLoggingEmbedder(holdingFirstPass: true)
        let queue = EmbeddingQueue(embedder: embedder, modelID: "test-double", passTokens: 64)
        let ingestion = Task { try await queue.embed(Self.texts("chunk", 256), for: world.sales, lane: .bulk) }
        try await Self.until { embedder.passes.count == 1 }
        let query = Task { try await queue.embed(["my query"], for: world.sales, lane: .interactive) }
        try await Self.until { queue.queuedJobs(of: world.sales.teamID) == 2 }
        embedder.releaseFirstPass()
        _ = try await (query.value, ingestion.value)
        #expect(embedder.passes.firstIndex { $0 == ["my query"] } == 1)
    }

    /// A stopping server (or a client gone) once waited while every queued upload was embedded
    /// first (attack round 4): a cancelled request takes no further pass.
    @Test("a cancelled request gets no further pass and ends with CancellationError")
    func aCancelledRequestGetsNoFurtherPass() async throws {
        let world = try await KnowledgeWorld.make()
        let embedder = PassLoggingEmbedder(holdingFirstPass: true)
        let queue = EmbeddingQueue(embedder: embedder, modelID: "test-double", passTokens: 24, bulkPassTokens: 24)
        let firstSpend = EmbeddingSpend()
        let secondSpend = EmbeddingSpend()
        let first = Task {
            try await EmbeddingSpend.$current.withValue(firstSpend) {
                try await queue.embed(Self.texts("first", 40), for: world.sales, lane: .bulk)
            }
        }
        try await Self.until { embedder.passes.count == 1 }
        let second = Task {
            try await EmbeddingSpend.$current.withValue(secondSpend) {
                try await queue.embed(Self.texts("second", 40), for: world.sales, lane: .bulk)
            }
        }
        try await Self.until { queue.queuedJobs(of: world.sales.teamID) == 2 }
        first.cancel()
        second.cancel()
        embedder.releaseFirstPass()
        await #expect(throws: CancellationError.self) { try await first.value }
        await #expect(throws: CancellationError.self) { try await second.value }
        #expect(embedder.passes.count == 1, "only the pass in flight ran: \(embedder.passes.count)")
        // The pass that ran is the first request's spend, though it ended without its vectors.
        let firstPass = embedder.passes[0].reduce(0) { $0 + embedder.countTokens($1) }
        #expect(firstSpend.tokens == firstPass && firstPass > 0 && secondSpend.tokens == 0)
        #expect(queue.queuedJobs(of: world.sales.teamID) == 0)
        // The queue goes on serving.
        #expect(try await queue.embed(["after"], for: world.sales, lane: .interactive).vectors.count == 1)
    }

    @Test("short interactive passes go to the query embedder, bulk and long passes to the shared one")
    func queriesUseTheQueryEmbedder() async throws {
        let world = try await KnowledgeWorld.make()
        let shared = PassLoggingEmbedder(holdingFirstPass: false)
        let single = PassLoggingEmbedder(holdingFirstPass: false)
        let queue = EmbeddingQueue(embedder: shared, modelID: "test-double", passTokens: 256, queryEmbedder: single)
        _ = try await queue.embed(["a short query"], for: world.sales, lane: .interactive)
        _ = try await queue.embed(Self.texts("chunk", 3), for: world.sales, lane: .bulk)
        _ = try await queue.embed(Self.texts("many", 40), for: world.development, lane: .interactive)
        #expect(single.passes == [["a short query"]])
        #expect(shared.passes.count >= 2 && !shared.passes.contains(["a short query"]), "\(shared.passes)")
    }

    @Test("the tokens the model read are counted per request, each text up to the model's cut")
    func tokensAreCounted() async throws {
        let world = try await KnowledgeWorld.make()
        let embedder = PassLoggingEmbedder(holdingFirstPass: false, maxTokens: 10)
        let queue = EmbeddingQueue(embedder: embedder, modelID: "test-double", passTokens: 8)
        let long = Array(repeating: "word", count: 50).joined(separator: " ")
        let embedded = try await queue.embed(["one two", "three", long], for: world.sales, lane: .interactive)
        #expect(embedded.tokens == 4 + 3 + 10)
        #expect(embedded.vectors.count == 3)
        #expect(embedder.passes == [["one two", "three"], [long]], "passes of at most 8 tokens, or one longer text")
        #expect(try await queue.embed([], for: world.sales, lane: .bulk).tokens == 0)
    }

    @Test("a team's queued bulk requests share passes, in order, each pass within the bulk limit")
    func bulkPassesSpanDocuments() async throws {
        let world = try await KnowledgeWorld.make()
        let embedder = PassLoggingEmbedder(holdingFirstPass: true)
        // Each text is 9 words, 11 tokens: a pass of 110 tokens holds 10 texts.
        let queue = EmbeddingQueue(embedder: embedder, modelID: "test-double", passTokens: 22, bulkPassTokens: 110)
        let first = Task { try await queue.embed(Self.texts("first", 12), for: world.sales, lane: .bulk) }
        try await Self.until { embedder.passes.count == 1 }
        let second = Task { try await queue.embed(Self.texts("second", 4), for: world.sales, lane: .bulk) }
        let third = Task { try await queue.embed(Self.texts("third", 5), for: world.sales, lane: .bulk) }
        try await Self.until { queue.queuedJobs(of: world.sales.teamID) == 3 }
        embedder.releaseFirstPass()
        let (a, b, c) = try await (first.value, second.value, third.value)
        #expect(a.vectors.count == 12 && b.vectors.count == 4 && c.vectors.count == 5)
        #expect(a.tokens == 132 && b.tokens == 44 && c.tokens == 55)
        let passes = embedder.passes
        // The first pass (10 texts of `first`) was held; the second finishes `first` and fills
        // up with all of `second` and the first four of `third`.
        #expect(passes.map(\.count) == [10, 10, 1], "\(passes)")
        let shared = Array(Self.texts("first", 12).suffix(2)) + Self.texts("second", 4) + Self.texts("third", 4)
        #expect(passes[1] == shared)
        #expect(passes.allSatisfy { $0.count * 11 <= 110 })
    }

    @Test("a text the model refuses fails its own bulk request, not the others sharing its pass")
    func sharedPassFailureStaysWithItsRequest() async throws {
        let world = try await KnowledgeWorld.make()
        let embedder = PassLoggingEmbedder(holdingFirstPass: true, failing: "poison")
        let queue = EmbeddingQueue(embedder: embedder, modelID: "test-double", bulkPassTokens: 1000)
        let held = Task { try await queue.embed(["held"], for: world.sales, lane: .bulk) }
        try await Self.until { embedder.passes.count == 1 }
        let good = Task { try await queue.embed(Self.texts("good", 3), for: world.sales, lane: .bulk) }
        try await Self.until { queue.queuedJobs(of: world.sales.teamID) == 2 }
        let bad = Task { try await queue.embed(["fine", "poison"], for: world.sales, lane: .bulk) }
        try await Self.until { queue.queuedJobs(of: world.sales.teamID) == 3 }
        embedder.releaseFirstPass()
        #expect(try await held.value.vectors.count == 1)
        #expect(try await good.value.vectors.count == 3)
        await #expect(throws: PassLoggingEmbedder.Failure.self) { try await bad.value }
        #expect(embedder.passes[1] == Self.texts("good", 3) + ["fine", "poison"], "one shared pass was tried first")
    }

    @Test("a failing pass fails its own request only; the next request is served")
    func failureStaysWithItsRequest() async throws {
        let world = try await KnowledgeWorld.make()
        let embedder = PassLoggingEmbedder(holdingFirstPass: false, failing: "poison")
        let queue = EmbeddingQueue(embedder: embedder, modelID: "test-double")
        await #expect(throws: PassLoggingEmbedder.Failure.self) {
            try await queue.embed(["poison"], for: world.sales, lane: .interactive)
        }
        #expect(try await queue.embed(["fine"], for: world.development, lane: .interactive).vectors.count == 1)
    }

    @Test("with the real MiniLM, another team's query is served after one pass of a team's 2 × 256 inputs")
    func realModelOrdersOtherTeamsQueryFirst() async throws {
        let model = try #require(KnowledgeWorld.sharedEmbedder, "all-MiniLM-L6-v2 not fetched (scripts/fetch-models)")
        let world = try await KnowledgeWorld.make()
        let embedder = PassLoggingEmbedder(wrapping: model)
        let queue = EmbeddingQueue(embedder: embedder, modelID: "minilm-l6")
        let bulk = Task {
            async let first = queue.embed(Self.texts("first", 256), for: world.sales, lane: .interactive)
            async let second = queue.embed(Self.texts("second", 256), for: world.sales, lane: .interactive)
            return try await (first, second)
        }
        try await Self.until { embedder.passes.count == 1 && queue.queuedJobs(of: world.sales.teamID) == 2 }
        let question = "How long is the refund window?"
        // Served while A's first pass is still held.
        let answer = try await queue.embed([question], for: world.development, lane: .interactive)
        embedder.releaseFirstPass()
        let (first, second) = try await bulk.value
        #expect(embedder.passes.firstIndex { $0 == [question] } == 1)
        #expect(first.vectors.count == 256 && second.vectors.count == 256)
        #expect(first.tokens == Self.texts("first", 256).reduce(0) { $0 + min(model.countTokens($1), model.maxTokens) })
        // Cutting the batches into passes changes no vector.
        let alone = try model.embed([question, Self.texts("second", 256)[200]])
        #expect(zip(answer.vectors[0], alone[0]).allSatisfy { abs($0 - $1) < 1e-4 })
        #expect(zip(second.vectors[200], alone[1]).allSatisfy { abs($0 - $1) < 1e-4 })
    }

    @Test("with the real MiniLM, documents sharing a bulk pass get the vectors each gets alone")
    func realModelSharedBulkPassChangesNoVector() async throws {
        let model = try #require(KnowledgeWorld.sharedEmbedder, "all-MiniLM-L6-v2 not fetched (scripts/fetch-models)")
        let world = try await KnowledgeWorld.make()
        let embedder = PassLoggingEmbedder(wrapping: model)
        let queue = EmbeddingQueue(embedder: embedder, modelID: "minilm-l6")
        let held = Task { try await queue.embed(["the first document"], for: world.sales, lane: .bulk) }
        try await Self.until { embedder.passes.count == 1 }
        let refunds = Task { try await queue.embed(Self.texts("refunds", 5), for: world.sales, lane: .bulk) }
        try await Self.until { queue.queuedJobs(of: world.sales.teamID) == 2 }
        let invoices = Task { try await queue.embed(Self.texts("invoices", 7), for: world.sales, lane: .bulk) }
        try await Self.until { queue.queuedJobs(of: world.sales.teamID) == 3 }
        embedder.releaseFirstPass()
        _ = try await held.value
        let (shared, other) = try await (refunds.value, invoices.value)
        #expect(embedder.passes.count == 2, "both documents in one pass: \(embedder.passes.map(\.count))")
        #expect(shared.vectors.count == 5 && other.vectors.count == 7)
        let alone = try model.embed(Self.texts("refunds", 5)) + model.embed(Self.texts("invoices", 7))
        for (vector, single) in zip(shared.vectors + other.vectors, alone) {
            #expect(zip(vector, single).allSatisfy { abs($0 - $1) < 1e-5 })
        }
    }

    /// Polls `condition` (no deadline a slow machine could miss: the suite's time limit is the bound).
    /// Only for states that last until the test changes them (a held pass, a queued job behind
    /// its own team's pass in flight), never for one a worker may pass through first.
    static func until(_ condition: @Sendable () -> Bool) async throws {
        while !condition() { try await Task.sleep(for: .milliseconds(2)) }
    }
}

/// A test double for ``TextEmbedder`` whose premise is that every model pass costs the same:
/// it logs the texts of each pass, can hold the first pass until the test releases it, and
/// either answers a fixed vector (one token per word plus two) or forwards to a real model.
final class PassLoggingEmbedder: TextEmbedder {
    struct Failure: Error {}

    let dimensions: Int
    let maxTokens: Int
    private let model: (any TextEmbedder)?
    private let failing: String?
    private let log = Mutex<[[String]]>([])
    private let gate = DispatchSemaphore(value: 0)
    private let holdsFirstPass: Bool

    init(holdingFirstPass: Bool, maxTokens: Int = 256, failing: String? = nil) {
        dimensions = 8
        self.maxTokens = maxTokens
        model = nil
        self.failing = failing
        holdsFirstPass = holdingFirstPass
    }

    init(wrapping model: any TextEmbedder) {
        dimensions = model.dimensions
        maxTokens = model.maxTokens
        self.model = model
        failing = nil
        holdsFirstPass = true
    }

    var passes: [[String]] { log.withLock { $0 } }

    func releaseFirstPass() { gate.signal() }

    func countTokens(_ text: String) -> Int {
        model?.countTokens(text) ?? text.split(separator: " ").count + 2
    }

    func embed(_ texts: [String]) throws -> [[Float]] {
        let isFirst = log.withLock { log in
            log.append(texts)
            return log.count == 1
        }
        if isFirst, holdsFirstPass { gate.wait() }
        if let failing, texts.contains(failing) { throw Failure() }
        if let model { return try model.embed(texts) }
        return texts.map { _ in [1, 0, 0, 0, 0, 0, 0, 0] }
    }
}
