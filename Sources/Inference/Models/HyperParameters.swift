/// A decoder's shape and constants, read from GGUF metadata under the architecture's prefix
/// (`llama.block_count`, `gemma3.attention.head_count`, …). Never hard-coded.
public struct HyperParameters: Sendable, Equatable {
    public var architecture: String
    public var layerCount: Int
    public var contextLength: Int
    public var embeddingLength: Int
    public var feedForwardLength: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var headDimension: Int
    public var valueHeadDimension: Int
    public var vocabularySize: Int
    public var normEpsilon: Float
    public var ropeBase: Float
    /// RoPE base of sliding-window layers where it differs (Gemma 3 local layers).
    public var ropeBaseLocal: Float
    /// Dimensions rotated by RoPE (the rest of a head passes through).
    public var ropeDimensions: Int
    /// Linear RoPE scaling: positions are divided by this factor (1 = none).
    public var ropeScale: Float
    /// Sliding attention window in tokens (0 = every layer attends globally).
    public var slidingWindow: Int
    /// Every `slidingWindowPattern`-th layer is global; the others slide (0 = none slide).
    public var slidingWindowPattern: Int

    public var queryDimension: Int { headCount * headDimension }
    public var kvDimension: Int { kvHeadCount * headDimension }

    public init(metadata: GGUFMetadata) throws {
        guard let architecture = metadata.string("general.architecture") else {
            throw ModelFileError.missingMetadata(key: "general.architecture")
        }
        self.architecture = architecture
        let p = architecture + "."
        layerCount = try metadata.requireInteger(p + "block_count")
        contextLength = try metadata.requireInteger(p + "context_length")
        embeddingLength = try metadata.requireInteger(p + "embedding_length")
        feedForwardLength = try metadata.requireInteger(p + "feed_forward_length")
        headCount = try metadata.requireInteger(p + "attention.head_count")
        kvHeadCount = metadata.integer(p + "attention.head_count_kv") ?? headCount
        headDimension = metadata.integer(p + "attention.key_length") ?? embeddingLength / headCount
        valueHeadDimension = metadata.integer(p + "attention.value_length") ?? headDimension
        vocabularySize = metadata.integer(p + "vocab_size")
            ?? metadata["tokenizer.ggml.tokens"]?.array?.count ?? 0
        guard let epsilon = metadata.float(p + "attention.layer_norm_rms_epsilon") else {
            throw ModelFileError.missingMetadata(key: p + "attention.layer_norm_rms_epsilon")
        }
        normEpsilon = epsilon
        ropeBase = metadata.float(p + "rope.freq_base") ?? 10_000
        ropeBaseLocal = metadata.float(p + "rope.local.freq_base") ?? (architecture == "gemma3" ? 10_000 : ropeBase)
        ropeDimensions = metadata.integer(p + "rope.dimension_count") ?? headDimension
        let scalingType = metadata.string(p + "rope.scaling.type") ?? "none"
        switch scalingType {
        case "none": ropeScale = 1
        case "linear": ropeScale = metadata.float(p + "rope.scaling.factor") ?? 1
        default:
            throw ModelFileError.corrupted(path: "metadata", reason: "RoPE scaling '\(scalingType)' is not supported")
        }
        slidingWindow = metadata.integer(p + "attention.sliding_window") ?? 0
        slidingWindowPattern = slidingWindow > 0 ? (architecture == "gemma3" ? 6 : 0) : 0

        guard layerCount > 0, embeddingLength > 0, headCount > 0, kvHeadCount > 0,
              headCount % kvHeadCount == 0, headDimension > 0, headDimension % 8 == 0, headDimension <= 512,
              ropeDimensions <= headDimension, vocabularySize > 0, contextLength > 0
        else {
            throw ModelFileError.corrupted(path: "metadata", reason: "inconsistent hyperparameters \(self)")
        }
    }

    /// Whether layer `layer` attends through a sliding window rather than globally.
    public func isSliding(layer: Int) -> Bool {
        slidingWindowPattern > 0 && (layer + 1) % slidingWindowPattern != 0
    }
}
