/// The weights of a BERT encoder: embedding tables and LayerNorms stay in the memory-mapped
/// safetensors file; linear layers are repacked for `FloatGEMM` or `Int16GEMM` (in the layout
/// of the `kernels` that will multiply them), as `precision` says (query, key and value
/// stacked into one matrix so a single pass computes all three).
struct BertWeights: @unchecked Sendable {
    struct Layer {
        /// `[3·hidden][hidden]`: query, key, value.
        let queryKeyValue: BertLinear
        /// `[hidden][hidden]`.
        let attentionOutput: BertLinear
        let attentionNorm: (weight: UnsafePointer<Float>, bias: UnsafePointer<Float>)
        /// `[intermediate][hidden]`.
        let intermediate: BertLinear
        /// `[hidden][intermediate]`.
        let output: BertLinear
        let outputNorm: (weight: UnsafePointer<Float>, bias: UnsafePointer<Float>)
    }

    /// `[vocabulary][hidden]`.
    let wordEmbeddings: UnsafePointer<Float>
    /// `[maxPositions][hidden]`.
    let positionEmbeddings: UnsafePointer<Float>
    /// `[hidden]`: token type 0, the only segment a single text has.
    let tokenTypeEmbedding: UnsafePointer<Float>
    let embeddingNorm: (weight: UnsafePointer<Float>, bias: UnsafePointer<Float>)
    let layers: [Layer]
    /// Keeps the mapping, and with it every pointer above, alive.
    let file: SafeTensorsFile

    /// Reads every tensor `configuration` calls for, checking its shape. Names may carry the
    /// `bert.` prefix that task heads (`BertForMaskedLM`, …) add.
    init(
        file: SafeTensorsFile, configuration: BertConfiguration, precision: EmbeddingPrecision = .float32,
        kernels: KernelSet = .active
    ) throws {
        self.file = file
        let prefix = file.contains("bert.embeddings.word_embeddings.weight") ? "bert." : ""
        let hidden = configuration.hiddenSize
        let intermediate = configuration.intermediateSize

        func floats(_ name: String, _ shape: [Int]) throws -> UnsafePointer<Float> {
            try file.tensor(prefix + name, shape: shape).data.assumingMemoryBound(to: Float.self)
        }
        func norm(_ name: String) throws -> (weight: UnsafePointer<Float>, bias: UnsafePointer<Float>) {
            (try floats(name + ".weight", [hidden]), try floats(name + ".bias", [hidden]))
        }
        func linear(_ name: String, out: Int, in inputs: Int) throws -> (weight: Tensor, bias: Tensor?) {
            (try file.tensor(prefix + name + ".weight", shape: [out, inputs]), try file.tensor(prefix + name + ".bias", shape: [out]))
        }

        wordEmbeddings = try floats("embeddings.word_embeddings.weight", [configuration.vocabularySize, hidden])
        positionEmbeddings = try floats("embeddings.position_embeddings.weight", [configuration.maxPositions, hidden])
        tokenTypeEmbedding = try floats("embeddings.token_type_embeddings.weight", [configuration.typeVocabularySize, hidden])
        embeddingNorm = try norm("embeddings.LayerNorm")
        layers = try (0..<configuration.layerCount).map { index in
            let layer = "encoder.layer.\(index)."
            return Layer(
                queryKeyValue: try BertLinear(precision: precision, kernels: kernels, [
                    try linear(layer + "attention.self.query", out: hidden, in: hidden),
                    try linear(layer + "attention.self.key", out: hidden, in: hidden),
                    try linear(layer + "attention.self.value", out: hidden, in: hidden),
                ]),
                attentionOutput: try BertLinear(precision: precision, kernels: kernels, [
                    try linear(layer + "attention.output.dense", out: hidden, in: hidden),
                ]),
                attentionNorm: try norm(layer + "attention.output.LayerNorm"),
                intermediate: try BertLinear(precision: precision, kernels: kernels, [
                    try linear(layer + "intermediate.dense", out: intermediate, in: hidden),
                ]),
                output: try BertLinear(precision: precision, kernels: kernels, [
                    try linear(layer + "output.dense", out: hidden, in: intermediate),
                ]),
                outputNorm: try norm(layer + "output.LayerNorm"))
        }
    }
}
