import Foundation

/// A sentence-transformers BERT model (such as all-MiniLM-L6-v2) run by this engine:
/// WordPiece tokenization, the BERT encoder (linear layers in `precision`: int16 unless told
/// otherwise, float32 for the reference's own numbers), pooling and L2 normalization.
///
/// The folder holds `config.json`, `model.safetensors`, `vocab.txt` or `tokenizer.json`,
/// and optionally `sentence_bert_config.json` (`max_seq_length`) and the pooling module
/// named by `modules.json`. Calls may come from several threads at once; their passes take
/// turns on the shared thread pool.
///
/// ```swift
/// let embedder = try SentenceEmbedder(folder: ModelLocator().folderPath(for: "minilm-l6"), threads: 2)
/// let vectors = try embedder.embed(["A man is eating food."])   // [[Float]] of 384 each
/// ```
public final class SentenceEmbedder: TextEmbedder {
    public let dimensions: Int
    public let maxTokens: Int
    public let tokenizer: WordPieceTokenizer
    public let pooling: SentencePooling
    /// Whether texts are lower-cased before tokenization (sentence-transformers' `do_lower_case`).
    public let lowercasesInput: Bool
    /// The arithmetic of the encoder's linear layers.
    public let precision: EmbeddingPrecision
    let encoder: BertEncoder
    /// Tokens packed into one encoder pass: enough rows for the GEMM to run at full speed,
    /// few enough that the activations (15 KB per token for MiniLM) stay modest.
    let batchTokens = 2048

    /// `kernels` runs the C kernels of that ISA level instead of the active one (tests compare them).
    public init(
        folder: String, threads: Int, precision: EmbeddingPrecision = .standard, kernels: KernelISA? = nil
    ) throws {
        guard let kernelSet = KernelSet(kernels ?? KernelISA.active) else {
            throw BertModelError.unsupported(path: folder, setting: "kernels", value: "\(kernels ?? .active) (this CPU cannot run it)")
        }
        let folderURL = URL(fileURLWithPath: folder)
        let configuration = try BertConfiguration(contentsOf: folderURL.appendingPathComponent("config.json").path)
        let file = try SafeTensorsFile(path: folderURL.appendingPathComponent("model.safetensors").path)
        let weights = try BertWeights(file: file, configuration: configuration, precision: precision, kernels: kernelSet)
        self.precision = precision

        let sentenceConfig = try Self.optionalJSONObject(at: folderURL.appendingPathComponent("sentence_bert_config.json"))
        let maxLength = (sentenceConfig?["max_seq_length"] as? Int) ?? min(512, configuration.maxPositions)
        guard maxLength >= 2, maxLength <= configuration.maxPositions else {
            throw BertModelError.unsupported(
                path: folderURL.appendingPathComponent("sentence_bert_config.json").path,
                setting: "max_seq_length", value: "\(maxLength) (the model has \(configuration.maxPositions) positions)")
        }
        tokenizer = try WordPieceTokenizer(folder: folder, maxLength: maxLength)
        guard tokenizer.tokens.count <= configuration.vocabularySize else {
            throw BertModelError.vocabularyMismatch(tokenizer: tokenizer.tokens.count, model: configuration.vocabularySize)
        }
        pooling = try SentencePooling(folder: folder)
        lowercasesInput = (sentenceConfig?["do_lower_case"] as? Bool) ?? false
        dimensions = configuration.hiddenSize
        maxTokens = maxLength
        encoder = BertEncoder(
            configuration: configuration, weights: weights, pool: ThreadPool(threads: threads), kernels: kernelSet)
    }

    /// The encoder's hyper-parameters.
    public var configuration: BertConfiguration { encoder.configuration }

    public func countTokens(_ text: String) -> Int {
        tokenizer.countTokens(lowercasesInput ? text.lowercased() : text)
    }

    public func embed(_ texts: [String]) throws -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        let encodings = tokenize(texts)
        let totalTokens = encodings.reduce(0) { $0 + $1.count }
        let workspace = BertWorkspace(
            configuration: encoder.configuration, capacity: min(totalTokens, max(batchTokens, maxTokens)),
            maxLength: encodings.map(\.count).max() ?? 0, threads: encoder.pool.threadCount, kernels: encoder.kernels)
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        var batch = BertBatch()
        for ids in encodings {
            if batch.tokenCount + ids.count > workspace.capacity {
                run(batch, workspace, appendingTo: &vectors)
                batch = BertBatch()
            }
            batch.append(ids)
        }
        run(batch, workspace, appendingTo: &vectors)
        return vectors
    }

    /// The JSON object in `url`; nil if there is no such file, an error if it is not an object.
    static func optionalJSONObject(at url: URL) throws -> [String: Any]? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            if let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] { return object }
        } catch {
            throw BertModelError.unreadableConfiguration(path: url.path, reason: error.localizedDescription)
        }
        throw BertModelError.unreadableConfiguration(path: url.path, reason: "not a JSON object")
    }

    /// Token ids of every text, tokenized on the pool's threads.
    private func tokenize(_ texts: [String]) -> [[TokenID]] {
        var encodings = [[TokenID]](repeating: [], count: texts.count)
        let tokenizer = tokenizer
        let lowercase = lowercasesInput
        encodings.withUnsafeMutableBufferPointer { output in
            encoder.pool.parallel { worker, workers in
                for index in ThreadPool.share(of: texts.count, worker: worker, workers: workers) {
                    output[index] = tokenizer.encode(lowercase ? texts[index].lowercased() : texts[index]).ids
                }
            }
        }
        return encodings
    }

    private func run(_ batch: BertBatch, _ workspace: BertWorkspace, appendingTo vectors: inout [[Float]]) {
        encoder.encode(batch, workspace: workspace)
        for sequence in batch.sequences {
            let vector = [Float](unsafeUninitializedCapacity: dimensions) { buffer, count in
                pooling.poolAndNormalize(
                    workspace.hidden + sequence.lowerBound * dimensions, count: sequence.count,
                    width: dimensions, into: buffer)
                count = dimensions
            }
            vectors.append(vector)
        }
    }
}
