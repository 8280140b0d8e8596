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

    static func make(model requested: String?, threads: Int, store: AtriumStore, logger: Logger) throws -> KnowledgeBase? {
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
            embedder = try SentenceEmbedder(folder: folder, threads: threads)
            // The same (memory-mapped) weights on one thread, for queries beside bulk passes.
            queryEmbedder = try SentenceEmbedder(folder: folder, threads: 1)
        } catch {
            throw ServeError("the embedding model at \(folder) cannot be loaded: \(error)")
        }
        // A named model keeps its name; a folder is served under the folder's name.
        let id = ModelLocator.namedFolders[name] == nil ? URL(fileURLWithPath: folder).lastPathComponent : name
        logger.info("embedding model ready", metadata: ["model": "\(id)", "dimensions": "\(embedder.dimensions)"])
        return KnowledgeBase(
            store: store, embeddings: EmbeddingQueue(embedder: embedder, modelID: id, queryEmbedder: queryEmbedder))
    }
}
