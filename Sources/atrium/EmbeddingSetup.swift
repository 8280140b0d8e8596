import Foundation
import Inference
import Logging
import Retrieval
import Store

/// Where `atrium serve` gets its embedding model and, with it, the teams' knowledge base.
///
/// `--embedding-model` names a model folder or a known name (`minilm-l6`). Without the option,
/// the fetched all-MiniLM-L6-v2 is used when it is there; when it is not, the server starts
/// without knowledge (knowledge routes answer 503) and says so, since chat alone still works.
enum EmbeddingSetup {
    static let defaultModel = "minilm-l6"
    /// Chunk size and overlap in model tokens (README, "Retrieval quality and ingestion speed").
    static let defaultChunkTokens = Chunker.standardTargetTokens
    static let defaultChunkOverlap = Chunker.standardOverlapTokens

    static func make(
        model requested: String?, threads: Int, precision: EmbeddingPrecision,
        chunking: (tokens: Int, overlap: Int) = (defaultChunkTokens, defaultChunkOverlap), store: AtriumStore,
        logger: Logger
    ) throws -> KnowledgeBase? {
        let name = requested ?? defaultModel
        let folder: String
        do {
            folder = try ModelLocator().folderPath(for: name)
        } catch let error as ModelLocatorError {
            guard requested == nil else { throw ServeError("--embedding-model: \(error)") }
            logger.warning(
                "no embedding model: team knowledge and /v1/embeddings are off", metadata: ["reason": "\(error)"])
            return nil
        }
        let embedder: SentenceEmbedder
        let queryEmbedder: SentenceEmbedder
        do {
            embedder = try SentenceEmbedder(folder: folder, threads: threads, precision: precision)
            // The same model on one thread, for queries beside bulk passes (the same precision,
            // so a query and the chunks it is compared with are embedded alike).
            queryEmbedder = try SentenceEmbedder(folder: folder, threads: 1, precision: precision)
        } catch {
            throw ServeError("the embedding model at \(folder) cannot be loaded: \(error)")
        }
        guard chunking.tokens <= embedder.maxTokens else {
            throw ServeError("--chunk-tokens \(chunking.tokens) exceeds the embedding model's \(embedder.maxTokens) tokens")
        }
        let chunker = Chunker(
            targetTokens: chunking.tokens, overlapTokens: chunking.overlap, countTokens: { embedder.countTokens($0) })
        // A named model keeps its name; a folder is served under the folder's name.
        let id = ModelLocator.namedFolders[name] == nil ? URL(fileURLWithPath: folder).lastPathComponent : name
        logger.info(
            "embedding model ready",
            metadata: ["model": "\(id)", "dimensions": "\(embedder.dimensions)", "precision": "\(precision)"])
        return KnowledgeBase(
            store: store, embeddings: EmbeddingQueue(embedder: embedder, modelID: id, queryEmbedder: queryEmbedder),
            chunker: chunker)
    }
}
