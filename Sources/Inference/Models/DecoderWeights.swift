/// The tensors of one decoder layer, by their GGUF names (`blk.N.…`).
struct DecoderLayerWeights {
    let attentionNorm: Tensor          // [d]
    let query: LinearWeight            // [d] → [heads · headDim]
    let key: LinearWeight              // [d] → [kvHeads · headDim]
    let value: LinearWeight            // [d] → [kvHeads · headDim]
    let attentionOutput: LinearWeight  // [heads · headDim] → [d]
    let queryNorm: Tensor?             // [headDim] (Gemma 3)
    let keyNorm: Tensor?               // [headDim] (Gemma 3)
    let postAttentionNorm: Tensor?     // [d] (Gemma 3)
    let feedForwardNorm: Tensor        // [d]
    let gate: LinearWeight             // [d] → [ff]
    let up: LinearWeight               // [d] → [ff]
    let down: LinearWeight             // [ff] → [d]
    let postFeedForwardNorm: Tensor?   // [d] (Gemma 3)
}

/// Every weight of a decoder, validated against the hyperparameters at load time so the
/// forward pass can trust shapes and types.
struct DecoderWeights {
    let tokenEmbedding: Tensor         // [vocab][d]
    let outputNorm: Tensor             // [d]
    let output: LinearWeight           // [vocab][d]; the token embedding when tied
    let ropeFrequencyFactors: Tensor?  // [ropeDims / 2] (Llama 3 long-context RoPE)
    let layers: [DecoderLayerWeights]

    /// `interleaving: false` keeps every matrix row-major only (see `LinearWeight`).
    init(file: GGUFFile, hyperParameters hp: HyperParameters, architecture: ModelArchitecture, interleaving: Bool = true) throws {
        let d = hp.embeddingLength
        func matrix(_ name: String, columns: Int, rows: Int) throws -> LinearWeight {
            LinearWeight(try storedMatrix(name, columns: columns, rows: rows), interleaving: interleaving)
        }
        func storedMatrix(_ name: String, columns: Int, rows: Int) throws -> Tensor {
            let tensor = try file.tensor(name)
            guard tensor.shape == [columns, rows] else {
                throw ModelFileError.unexpectedShape(tensor: name, expected: [columns, rows], found: tensor.shape)
            }
            guard MatMul.supports(tensor.type) else {
                throw ModelFileError.unsupportedTensorType(tensor: name, type: tensor.type.description)
            }
            return tensor
        }
        func vector(_ name: String, length: Int) throws -> Tensor {
            let tensor = try file.tensor(name)
            guard tensor.shape == [length], tensor.type == .f32 else {
                throw ModelFileError.unexpectedShape(tensor: name, expected: [length], found: tensor.shape)
            }
            return tensor
        }
        func optionalVector(_ name: String, length: Int) throws -> Tensor? {
            file.optionalTensor(name) == nil ? nil : try vector(name, length: length)
        }

        tokenEmbedding = try storedMatrix("token_embd.weight", columns: d, rows: hp.vocabularySize)
        outputNorm = try vector("output_norm.weight", length: d)
        output = file.optionalTensor("output.weight") == nil
            ? LinearWeight(tokenEmbedding, interleaving: interleaving)
            : try matrix("output.weight", columns: d, rows: hp.vocabularySize)
        ropeFrequencyFactors = try optionalVector("rope_freqs.weight", length: hp.ropeDimensions / 2)

        layers = try (0..<hp.layerCount).map { index in
            let p = "blk.\(index)."
            let qkNorm = architecture.normalizesQueryAndKey
            let postNorms = architecture.hasPostNorms
            return DecoderLayerWeights(
                attentionNorm: try vector(p + "attn_norm.weight", length: d),
                query: try matrix(p + "attn_q.weight", columns: d, rows: hp.queryDimension),
                key: try matrix(p + "attn_k.weight", columns: d, rows: hp.kvDimension),
                value: try matrix(p + "attn_v.weight", columns: d, rows: hp.kvHeadCount * hp.valueHeadDimension),
                attentionOutput: try matrix(p + "attn_output.weight", columns: hp.headCount * hp.valueHeadDimension, rows: d),
                queryNorm: qkNorm ? try vector(p + "attn_q_norm.weight", length: hp.headDimension) : nil,
                keyNorm: qkNorm ? try vector(p + "attn_k_norm.weight", length: hp.headDimension) : nil,
                postAttentionNorm: postNorms ? try vector(p + "post_attention_norm.weight", length: d) : nil,
                feedForwardNorm: try vector(p + "ffn_norm.weight", length: d),
                gate: try matrix(p + "ffn_gate.weight", columns: d, rows: hp.feedForwardLength),
                up: try matrix(p + "ffn_up.weight", columns: d, rows: hp.feedForwardLength),
                down: try matrix(p + "ffn_down.weight", columns: hp.feedForwardLength, rows: d),
                postFeedForwardNorm: postNorms ? try vector(p + "post_ffw_norm.weight", length: d) : nil)
        }
    }
}
