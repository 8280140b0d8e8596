import Dispatch
import Inference

/// Runs the embedding model — and other CPU-bound document work — off the request threads.
///
/// Swift's cooperative pool has one thread per core: an embedding pass that blocked one of
/// them would stall every request behind it. Work goes to two serial dispatch queues instead,
/// one per ``Lane``, so a large upload (``Lane/bulk``) never sits in front of a chat's query
/// (``Lane/interactive``); the embedder lets their passes take turns on its thread pool.
///
/// ```swift
/// let queue = EmbeddingQueue(embedder: try SentenceEmbedder(folder: folder, threads: 2), modelID: "minilm-l6")
/// let vectors = try await queue.embed(["How do I reset my password?"], lane: .interactive)
/// ```
public final class EmbeddingQueue: Sendable {
    /// Which queue work waits in.
    public enum Lane: Sendable {
        /// Queries: searches, chat retrieval, `/v1/embeddings`.
        case interactive
        /// Ingestion: loading, chunking and embedding documents.
        case bulk
    }

    public let embedder: any TextEmbedder
    /// The id responses and stored vectors name the model by (`minilm-l6`).
    public let modelID: String
    private let interactive = DispatchQueue(label: "atrium.embeddings.interactive", qos: .userInitiated)
    private let bulk = DispatchQueue(label: "atrium.embeddings.bulk", qos: .utility)

    public init(embedder: any TextEmbedder, modelID: String) {
        self.embedder = embedder
        self.modelID = modelID
    }

    public var dimensions: Int { embedder.dimensions }

    /// One L2-normalized vector per text.
    public func embed(_ texts: [String], lane: Lane) async throws -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        let embedder = embedder
        return try await run(on: lane) { try embedder.embed(texts) }
    }

    /// Runs `work` on the lane's queue and returns its result.
    public func run<T: Sendable>(on lane: Lane, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        let queue = lane == .interactive ? interactive : bulk
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
