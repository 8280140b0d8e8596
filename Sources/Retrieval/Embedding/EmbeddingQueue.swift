import Dispatch
import Inference
import Synchronization
import Tenancy

/// Runs the embedding model — and other CPU-bound document work — off the request threads,
/// sharing the model fairly between teams.
///
/// Every embedding request waits in its team's queue (keyed by the ``TenantScope`` that only
/// authentication makes, never by an id a client chose). The teams with work are served in
/// turn, one model pass of at most ``passTokens`` tokens each, so a team's request of 512
/// texts is cut into many passes (issue 12: a search went from 7 ms to 43 s behind one team's
/// bulk embedding). Two workers serve, never both the same team: while one team's pass runs,
/// another team's query starts at once on the second worker instead of waiting for it — the
/// two passes share the model's thread pool matmul by matmul, so the query takes about twice
/// its idle time rather than its time plus a whole bulk pass. Within a team, interactive work
/// (queries) goes before bulk work (ingestion), so a team's query waits behind at most its
/// own pass in flight. A team's bulk passes are larger (``bulkPassTokens``) and span its
/// documents: the chunks of every document the team has queued fill one pass, so a stream of
/// small documents still runs the model on batches large enough for its matrix products.
///
/// ```swift
/// let queue = EmbeddingQueue(embedder: try SentenceEmbedder(folder: folder, threads: 2), modelID: "minilm-l6")
/// let embedded = try await queue.embed(["How do I reset my password?"], for: scope, lane: .interactive)
/// embedded.vectors   // [[Float]], one per text
/// embedded.tokens    // WordPiece tokens the model read, for the team's limits
/// ```
public final class EmbeddingQueue: Sendable {
    /// What kind of work it is, which orders a team's own requests.
    public enum Lane: Sendable {
        /// Queries: searches, chat retrieval, `/v1/embeddings`.
        case interactive
        /// Ingestion: loading, chunking and embedding documents.
        case bulk
    }

    public let embedder: any TextEmbedder
    /// The id responses and stored vectors name the model by (`minilm-l6`).
    public let modelID: String
    /// Tokens one model pass reads at most (a longer single text still makes one pass): the
    /// longest another team's request can wait for the worker to take it up.
    public let passTokens: Int
    /// Tokens one bulk (ingestion) pass reads at most, taken from the team's queued bulk
    /// requests in order. Larger than ``passTokens``: another team's query does not wait for
    /// it (short ones run on ``queryEmbedder``) and another team's work runs on the second
    /// worker beside it; only the team's own query may wait for one such pass in flight.
    public let bulkPassTokens: Int
    /// The same model on a thread of its own, for short interactive passes (a query): it does
    /// not queue behind a bulk pass's matmuls on the shared thread pool, so a search beside
    /// another team's ingestion costs little more than idle. `nil`: every pass uses ``embedder``.
    public let queryEmbedder: (any TextEmbedder)?
    /// The most tokens a pass may have to go to ``queryEmbedder``.
    public static let queryPassTokens = 64
    /// One encoder batch of ``SentenceEmbedder`` (its `batchTokens`): a pass fills it, and no
    /// pass is cut into several. Fewer, fuller passes cost 1.3× less server CPU per chunk in
    /// `scripts/bench-ingest` (README "Retrieval quality and ingestion speed").
    public static let defaultBulkPassTokens = 2048
    private let schedule = Mutex(FairSchedule())
    /// Concurrent: up to ``FairSchedule/maximumWorkers`` passes run at once, of different teams.
    private let worker = DispatchQueue(label: "atrium.embeddings.worker", qos: .userInitiated, attributes: .concurrent)
    private let interactive = DispatchQueue(label: "atrium.embeddings.interactive", qos: .userInitiated)

    public init(
        embedder: any TextEmbedder, modelID: String, passTokens: Int = 256, bulkPassTokens: Int? = nil,
        queryEmbedder: (any TextEmbedder)? = nil
    ) {
        self.embedder = embedder
        self.modelID = modelID
        self.passTokens = max(1, passTokens)
        self.bulkPassTokens = max(1, bulkPassTokens ?? Self.defaultBulkPassTokens)
        self.queryEmbedder = queryEmbedder
    }

    public var dimensions: Int { embedder.dimensions }

    /// The most tokens embedding `text` can cost: the model reads it up to its cut, and a
    /// WordPiece token is at least a byte (two special tokens besides). Known before the model
    /// runs, so a team's limits can hold it first.
    public func mostTokens(_ text: String) -> Int {
        min(embedder.maxTokens, text.utf8.count + 2)
    }

    /// The tokens embedding `text` costs: what the model reads of it, up to its cut.
    public func tokens(of text: String) -> Int {
        min(embedder.countTokens(text), embedder.maxTokens)
    }

    /// One L2-normalized vector per text, in order, and the tokens the model read for them
    /// (special tokens included, each text counted up to where the model cuts it).
    ///
    /// A request whose task is cancelled (its client gone, the server stopping) gets no further
    /// pass: it ends with `CancellationError` at its next turn, so a stopping server no longer
    /// embeds every upload still queued first. The tokens of the passes it did get are added to
    /// the task's ``EmbeddingSpend/current`` as each pass ends, so that they are still charged.
    public func embed(_ texts: [String], for scope: TenantScope, lane: Lane) async throws -> EmbeddedTexts {
        guard !texts.isEmpty else { return EmbeddedTexts(vectors: [], tokens: 0) }
        let cancellation = EmbeddingJob.Cancellation()
        let spend = EmbeddingSpend.current
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let job = EmbeddingJob(
                    texts: texts, lane: lane, cancellation: cancellation, spend: spend, continuation: continuation)
                if schedule.withLock({ $0.submit(job, team: scope.teamID) }) {
                    worker.async { self.serve() }
                }
            }
        } onCancel: {
            cancellation.cancel()
        }
    }

    /// Runs short CPU-bound work that a query waits for (tokenizing a conversation for the
    /// semantic cache) on a serial queue of its own and returns its result. (Uploads are read in
    /// their team's lane, `IngestionLanes`.)
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            interactive.async { continuation.resume(with: Result { try work() }) }
        }
    }

    /// Jobs waiting or being served for `team` (for tests).
    func queuedJobs(of team: TeamID) -> Int {
        schedule.withLock { $0.jobs[team]?.count ?? 0 }
    }

    /// A worker: one pass for the team whose turn it is (and that no other worker serves),
    /// until no such team has work.
    private func serve() {
        while let (team, jobs) = schedule.withLock({ $0.next() }) {
            let finished = runPass(over: jobs)
            schedule.withLock { $0.passed(team, finished: finished) }
            for job in finished { job.resume() }
        }
    }

    /// One model pass over the next texts of `jobs` (one interactive job, or a team's bulk jobs
    /// in order, filled up to ``bulkPassTokens``); the jobs it finished. Cancelled jobs finish
    /// with `CancellationError` instead of taking part.
    private func runPass(over queued: [EmbeddingJob]) -> [EmbeddingJob] {
        let cancelled = queued.filter(\.cancellation.isCancelled)
        for job in cancelled { job.failure = CancellationError() }
        let jobs = queued.filter { !$0.cancellation.isCancelled }
        guard let lane = jobs.first?.lane else { return cancelled }
        var room = lane == .interactive ? passTokens : bulkPassTokens
        var parts: [(job: EmbeddingJob, texts: [String])] = []
        var tokens = 0
        for job in jobs where room > 0 {
            let pass = job.takePass(maximumTokens: room, embedder: embedder, atLeastOne: parts.isEmpty)
            guard !pass.texts.isEmpty else { break }
            parts.append((job, pass.texts))
            tokens += pass.tokens
            room -= pass.tokens
            // The job's next text did not fit: later jobs wait their turn behind it.
            guard job.passReachesEnd else { break }
        }
        let model = lane == .interactive && tokens <= Self.queryPassTokens ? queryEmbedder ?? embedder : embedder
        do {
            let vectors = try model.embed(parts.flatMap(\.texts))
            var start = 0
            for part in parts {
                part.job.received(Array(vectors[start..<(start + part.texts.count)]))
                start += part.texts.count
            }
        } catch {
            // A pass of several requests is run again request by request, so that a text the
            // model refuses fails its own request only.
            for part in parts {
                do {
                    guard parts.count > 1 else { throw error }
                    part.job.received(try model.embed(part.texts))
                } catch {
                    part.job.failure = error
                }
            }
        }
        return cancelled + parts.map(\.job).filter { $0.isComplete || $0.failure != nil }
    }
}

/// The vectors of one embedding request and the tokens the model read for them.
public struct EmbeddedTexts: Sendable {
    public let vectors: [[Float]]
    /// WordPiece tokens, special tokens included, each text counted up to the model's cut:
    /// what a team's token limits are charged for embedding.
    public let tokens: Int
}

/// The tokens the embedding model has read for one request so far, pass by pass, whatever
/// becomes of the request: a request whose client hangs up mid-way ends without its
/// ``EmbeddedTexts``, yet the passes it got were run, and are charged (attack round 7: five
/// hung-up batches of 2,048 inputs took 30 s of the model for nothing). Set
/// ``current`` around the request; ``EmbeddingQueue/embed(_:for:lane:)`` adds to it.
public final class EmbeddingSpend: Sendable {
    @TaskLocal public static var current: EmbeddingSpend?

    private let counted = Atomic<Int>(0)

    public init() {}

    public var tokens: Int { counted.load(ordering: .relaxed) }

    func add(_ tokens: Int) {
        counted.add(tokens, ordering: .relaxed)
    }
}

/// Which team's job a worker serves next: the teams with work in a ring, the front one not
/// already being served gets one pass and then goes to the back; in a team, interactive jobs
/// before bulk ones. A team never has two passes in flight, so its requests stay in order and
/// no team takes both workers while another waits.
struct FairSchedule {
    /// Passes at once, of different teams.
    static let maximumWorkers = 2

    private(set) var jobs: [TeamID: [EmbeddingJob]] = [:]
    /// Teams with work, the one to serve next first.
    private var ring: [TeamID] = []
    /// Teams whose pass is running.
    private var inFlight: Set<TeamID> = []
    private var workers = 0

    /// Queues `job`; true when a worker must be started for it (fewer than the maximum run
    /// and a team with work has none serving it).
    mutating func submit(_ job: EmbeddingJob, team: TeamID) -> Bool {
        if jobs[team, default: []].isEmpty { ring.append(team) }
        jobs[team, default: []].append(job)
        guard workers < Self.maximumWorkers, ring.contains(where: { !inFlight.contains($0) }) else { return false }
        workers += 1
        return true
    }

    /// The front team no worker serves and its most urgent job, or all its bulk jobs in order
    /// (for one pass to span them); nil (and the worker stops) when no such team waits.
    mutating func next() -> (TeamID, [EmbeddingJob])? {
        guard let team = ring.first(where: { !inFlight.contains($0) }), let queue = jobs[team], !queue.isEmpty else {
            workers -= 1
            return nil
        }
        inFlight.insert(team)
        if let query = queue.first(where: { $0.lane == .interactive }) { return (team, [query]) }
        return (team, queue)
    }

    /// After a pass for `team`: drops `finished` from its queue and sends the team to the back
    /// of the ring (or out of it, with no work left).
    mutating func passed(_ team: TeamID, finished: [EmbeddingJob]) {
        inFlight.remove(team)
        jobs[team]?.removeAll { job in finished.contains { $0 === job } }
        ring.removeAll { $0 == team }
        if jobs[team]?.isEmpty == false { ring.append(team) } else { jobs[team] = nil }
    }
}

/// One embedding request in a team's queue. Its progress is touched only by the worker
/// serving its team (one thread at a time, handed over through the schedule's lock).
final class EmbeddingJob: @unchecked Sendable {
    /// Set when the request's task is cancelled, from any thread.
    final class Cancellation: Sendable {
        private let flag = Atomic(false)
        func cancel() { flag.store(true, ordering: .relaxed) }
        var isCancelled: Bool { flag.load(ordering: .relaxed) }
    }

    let texts: [String]
    let lane: EmbeddingQueue.Lane
    let cancellation: Cancellation
    private let spend: EmbeddingSpend?
    private let continuation: CheckedContinuation<EmbeddedTexts, any Error>
    private var next = 0
    private var passEnd = 0
    private var passTokens = 0
    private var tokens = 0
    private var vectors: [[Float]] = []
    /// The token count of the text a pass stopped before, so it is not counted twice.
    private var countedAhead: Int?
    var failure: (any Error)?

    init(
        texts: [String], lane: EmbeddingQueue.Lane, cancellation: Cancellation = Cancellation(),
        spend: EmbeddingSpend? = nil, continuation: CheckedContinuation<EmbeddedTexts, any Error>
    ) {
        self.texts = texts
        self.lane = lane
        self.cancellation = cancellation
        self.spend = spend
        self.continuation = continuation
        vectors.reserveCapacity(texts.count)
    }

    var isComplete: Bool { next == texts.count }
    /// Whether the pass taken last holds every text left.
    var passReachesEnd: Bool { passEnd == texts.count }

    /// The texts of the next pass (as many as fit in `maximumTokens`, and with `atLeastOne` at
    /// least one) and their tokens.
    func takePass(maximumTokens: Int, embedder: any TextEmbedder, atLeastOne: Bool = true)
        -> (texts: [String], tokens: Int)
    {
        var end = next
        var passTokens = 0
        while end < texts.count {
            let count = countedAhead ?? min(embedder.countTokens(texts[end]), embedder.maxTokens)
            countedAhead = nil
            if end > next || !atLeastOne, passTokens + count > maximumTokens {
                countedAhead = count
                break
            }
            passTokens += count
            end += 1
        }
        tokens += passTokens
        self.passTokens = passTokens
        passEnd = end
        return (Array(texts[next..<end]), passTokens)
    }

    func received(_ passVectors: [[Float]]) {
        vectors += passVectors
        next = passEnd
        spend?.add(passTokens)
    }

    func resume() {
        if let failure {
            continuation.resume(throwing: failure)
        } else {
            continuation.resume(returning: EmbeddedTexts(vectors: vectors, tokens: tokens))
        }
    }
}
