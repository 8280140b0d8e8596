import Foundation

/// The hyper-parameters of a BERT encoder, read from a Hugging Face `config.json`.
public struct BertConfiguration: Sendable, Equatable {
    public var vocabularySize: Int
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var typeVocabularySize: Int
    public var layerNormEpsilon: Float

    public var headSize: Int { hiddenSize / headCount }

    /// The multiply-adds of one pass over a sequence of `tokens`: each layer's four attention
    /// projections and two feed-forward matrices per token, plus its attention scores and
    /// weighted values (the rest — softmax, GELU, LayerNorm — is a few operations an element).
    /// What a benchmark divides by to read an encoder's speed against a core's peak.
    public func multiplyAdds(tokens: Int) -> Int {
        let perToken = 4 * hiddenSize * hiddenSize + 2 * hiddenSize * intermediateSize
        return layerCount * (tokens * perToken + 2 * tokens * tokens * hiddenSize)
    }

    /// Reads and checks `config.json`. Only what this engine computes is accepted: absolute
    /// positions and the exact (erf) GELU, with head sizes in whole 16-float vectors.
    public init(contentsOf path: String) throws {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw BertModelError.unreadableConfiguration(path: path, reason: error.localizedDescription)
        }
        guard let json = object as? [String: Any] else {
            throw BertModelError.unreadableConfiguration(path: path, reason: "not a JSON object")
        }
        func integer(_ key: String) throws -> Int {
            guard let value = json[key] as? Int, value > 0 else { throw BertModelError.missingSetting(path: path, key: key) }
            return value
        }
        vocabularySize = try integer("vocab_size")
        hiddenSize = try integer("hidden_size")
        layerCount = try integer("num_hidden_layers")
        headCount = try integer("num_attention_heads")
        intermediateSize = try integer("intermediate_size")
        maxPositions = try integer("max_position_embeddings")
        typeVocabularySize = (json["type_vocab_size"] as? Int) ?? 2
        layerNormEpsilon = Float((json["layer_norm_eps"] as? Double) ?? 1e-12)

        if let modelType = json["model_type"] as? String, modelType != "bert" {
            throw BertModelError.unsupported(path: path, setting: "model_type", value: modelType)
        }
        if let activation = json["hidden_act"] as? String, activation != "gelu" {
            throw BertModelError.unsupported(path: path, setting: "hidden_act", value: activation)
        }
        if let positions = json["position_embedding_type"] as? String, positions != "absolute" {
            throw BertModelError.unsupported(path: path, setting: "position_embedding_type", value: positions)
        }
        guard hiddenSize % headCount == 0, headSize % 16 == 0, hiddenSize % 16 == 0, typeVocabularySize > 0 else {
            throw BertModelError.unsupported(
                path: path, setting: "hidden_size/num_attention_heads", value: "\(hiddenSize)/\(headCount)")
        }
    }
}
