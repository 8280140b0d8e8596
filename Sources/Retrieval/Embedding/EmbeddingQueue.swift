import Dispatch
import Inference
import Synchronization
import Tenancy

/// Runs the embedding model — and other CPU-bound document work — off the request threads,
/// sharing the model fairly between teams.
///
/// Every embedding request waits in its team's queue (keyed by the ``TenantScope`` that only
/// authentication makes, never by an id a client chose). One worker serves the teams with
/// work in turn, one model pass of at most ``passTokens`` tokens each: a team's request of
/// 512 texts is cut into many passes, and another team's query waits behind at most the one
/// pass in flight, not behind the whole request (issue 12: a search went from 7 ms to 43 s
/// behind one team's bulk embedding). Within a team, interactive work (queries) goes before
/// bulk work (ingestion), so a team's query waits behind at most its own pass in flight.
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
    private let schedule = Mutex(FairSchedule())
    private let worker = DispatchQueue(label: "atrium.embeddings.worker", qos: .userInitiated)
    private let interactive = DispatchQueue(label: "atrium.embeddings.interactive", qos: .userInitiated)
    private let bulk = DispatchQueue(label: "atrium.embeddings.bulk", qos: .utility)

    public init(embedder: any TextEmbedder, modelID: String, passTokens: Int = 256) {
        self.embedder = embedder
        self.modelID = modelID
        self.passTokens = max(1, passTokens)
    }

    public var dimensions: Int { embedder.dimensions }

    /// One L2-normalized vector per text, in order, and the tokens the model read for them
    /// (special tokens included, each text counted up to where the model cuts it).
    public func embed(_ texts: [String], for scope: TenantScope, lane: Lane) async throws -> EmbeddedTexts {
        guard !texts.isEmpty else { return EmbeddedTexts(vectors: [], tokens: 0) }
        return try await withCheckedThrowingContinuation { continuation in
            let job = EmbeddingJob(texts: texts, lane: lane, continuation: continuation)
            if schedule.withLock({ $0.submit(job, team: scope.teamID) }) {
                worker.async { self.serve() }
            }
        }
    }

    /// Runs CPU-bound work other than model passes (loading, chunking, hashing) on the lane's
    /// serial queue and returns its result.
    public func run<T: Sendable>(on lane: Lane, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        let queue = lane == .interactive ? interactive : bulk
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try work() })
            }
        }
    }

    /// Jobs waiting or being served for `team` (for tests).
    func queuedJobs(of team: TeamID) -> Int {
        schedule.withLock { $0.jobs[team]?.count ?? 0 }
    }

    /// The worker: one pass for the team whose turn it is, until no team has work.
    private func serve() {
        while let (team, job) = schedule.withLock({ $0.next() }) {
            let texts = job.takePass(maximumTokens: passTokens, embedder: embedder)
            let finished: Bool
            do {
                job.received(try embedder.embed(texts))
                finished = job.isComplete
            } catch {
                job.failure = error
                finished = true
            }
            schedule.withLock { $0.passed(team, finished: finished ? job : nil) }
            if finished { job.resume() }
        }
    }
}

/// The vectors of one embedding request and the tokens the model read for them.
public struct EmbeddedTexts: Sendable {
    public let vectors: [[Float]]
    /// WordPiece tokens, special tokens included, each text counted up to the model's cut:
    /// what a team's token limits are charged for embedding.
    public let tokens: Int
}

/// Which team's job the worker serves next: the teams with work in a ring, the front one
/// served one pass and then sent to the back; in a team, interactive jobs before bulk ones.
struct FairSchedule {
    private(set) var jobs: [TeamID: [EmbeddingJob]] = [:]
    /// Teams with work, the one to serve next first.
    private var ring: [TeamID] = []
    private var serving = false

    /// Queues `job`; true when the worker is idle and must be started.
    mutating func submit(_ job: EmbeddingJob, team: TeamID) -> Bool {
        if jobs[team, default: []].isEmpty { ring.append(team) }
        jobs[team, default: []].append(job)
        defer { serving = true }
        return !serving
    }

    /// The front team and its most urgent job; nil (and the worker stops) when none waits.
    mutating func next() -> (TeamID, EmbeddingJob)? {
        guard let team = ring.first, let queue = jobs[team], let job = queue.first(where: { $0.lane == .interactive }) ?? queue.first
        else {
            serving = false
            return nil
        }
        return (team, job)
    }

    /// After a pass for `team`: drops `finished` from its queue and sends the team to the back
    /// of the ring (or out of it, with no work left).
    mutating func passed(_ team: TeamID, finished: EmbeddingJob?) {
        if let finished { jobs[team]?.removeAll { $0 === finished } }
        ring.removeAll { $0 == team }
        if jobs[team]?.isEmpty == false { ring.append(team) } else { jobs[team] = nil }
    }
}

/// One embedding request in a team's queue. Its progress is touched only by the worker
/// (one thread at a time, handed over through the schedule's lock).
final class EmbeddingJob: @unchecked Sendable {
    let texts: [String]
    let lane: EmbeddingQueue.Lane
    private let continuation: CheckedContinuation<EmbeddedTexts, any Error>
    private var next = 0
    private var passEnd = 0
    private var tokens = 0
    private var vectors: [[Float]] = []
    /// The token count of the text a pass stopped before, so it is not counted twice.
    private var countedAhead: Int?
    var failure: (any Error)?

    init(texts: [String], lane: EmbeddingQueue.Lane, continuation: CheckedContinuation<EmbeddedTexts, any Error>) {
        self.texts = texts
        self.lane = lane
        self.continuation = continuation
        vectors.reserveCapacity(texts.count)
    }

    var isComplete: Bool { next == texts.count }

    /// The texts of the next pass: at least one, then as many as fit in `maximumTokens`.
    func takePass(maximumTokens: Int, embedder: any TextEmbedder) -> [String] {
        var end = next
        var passTokens = 0
        while end < texts.count {
            let count = countedAhead ?? min(embedder.countTokens(texts[end]), embedder.maxTokens)
            countedAhead = nil
            if end > next, passTokens + count > maximumTokens {
                countedAhead = count
                break
            }
            passTokens += count
            end += 1
        }
        tokens += passTokens
        passEnd = end
        return Array(texts[next..<end])
    }

    func received(_ passVectors: [[Float]]) {
        vectors += passVectors
        next = passEnd
    }

    func resume() {
        if let failure {
            continuation.resume(throwing: failure)
        } else {
            continuation.resume(returning: EmbeddedTexts(vectors: vectors, tokens: tokens))
        }
    }
}
