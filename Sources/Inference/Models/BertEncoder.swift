/// The BERT encoder (Hugging Face `BertModel`, as sentence-transformers runs it) on the CPU,
/// float32 but for the linear layers, which run in the precision their weights were packed
/// for (`BertLinear`: float32 or int16):
///
///     x = LN(word[id] + token_type[0] + position[i])
///     per layer:  q, k, v = x·Wᵀ + b          (one stacked GEMM)
///                 a = LN(softmax(q·kᵀ/√d)·v · W_oᵀ + b_o + x)
///                 x = LN(gelu(a·W_1ᵀ + b_1) · W_2ᵀ + b_2 + a)
///
/// A batch is a set of sequences packed end to end (`BertBatch`); every token-wise step runs
/// on all of them at once, attention per (sequence, head).
final class BertEncoder: @unchecked Sendable {
    let configuration: BertConfiguration
    let weights: BertWeights
    let pool: ThreadPool
    /// The C kernels' level: the weights' int16 layout and the workspaces' must be theirs.
    let kernels: KernelSet
    private let gemm: FloatGEMM
    private let int16GEMM: Int16GEMM
    private let attention: BertAttention

    init(configuration: BertConfiguration, weights: BertWeights, pool: ThreadPool, kernels: KernelSet = .active) {
        self.configuration = configuration
        self.weights = weights
        self.pool = pool
        self.kernels = kernels
        gemm = FloatGEMM(pool: pool)
        int16GEMM = Int16GEMM(pool: pool, kernels: kernels)
        attention = BertAttention(
            headCount: configuration.headCount, headSize: configuration.headSize, pool: pool, kernels: kernels)
    }

    /// Runs the whole encoder; the last hidden states are left in `workspace.hidden`,
    /// `[batch.tokenCount][hidden]`.
    func encode(_ batch: BertBatch, workspace: BertWorkspace) {
        embed(batch, into: workspace.hidden)
        for layer in 0..<configuration.layerCount { runLayer(layer, batch, workspace) }
    }

    /// Embedding sums and their LayerNorm into `output`, `[batch.tokenCount][hidden]`.
    func embed(_ batch: BertBatch, into output: UnsafeMutablePointer<Float>) {
        let hidden = configuration.hiddenSize
        let epsilon = configuration.layerNormEpsilon
        let weights = weights
        batch.ids.withUnsafeBufferPointer { ids in
            batch.positions.withUnsafeBufferPointer { positions in
                pool.parallel { worker, workers in
                    for token in ThreadPool.share(of: ids.count, worker: worker, workers: workers) {
                        let row = output + token * hidden
                        let word = weights.wordEmbeddings + Int(ids[token]) * hidden
                        let position = weights.positionEmbeddings + Int(positions[token]) * hidden
                        for index in 0..<hidden {
                            row[index] = (word[index] + weights.tokenTypeEmbedding[index]) + position[index]
                        }
                        LayerNorm.normalize(
                            row, width: hidden, weight: weights.embeddingNorm.weight,
                            bias: weights.embeddingNorm.bias, epsilon: epsilon)
                    }
                }
            }
        }
    }

    /// One encoder layer, from `workspace.hidden` back into `workspace.hidden`.
    func runLayer(_ index: Int, _ batch: BertBatch, _ workspace: BertWorkspace) {
        let layer = weights.layers[index]
        let tokens = batch.tokenCount
        multiply(layer.queryKeyValue, workspace.hidden, tokens, into: workspace.queryKeyValue, workspace)
        attention.run(
            queryKeyValue: workspace.queryKeyValue, sequences: batch.sequences, into: workspace.context,
            scratch: workspace.attentionScratch, scratchPerWorker: workspace.attentionScratchPerWorker)
        // Residuals are added in the LayerNorm, run on each block of rows as the GEMM completes
        // it: added in the GEMM's tiles they cost a cache miss per tile row, and a separate pass
        // would read every row back from memory.
        multiply(layer.attentionOutput, workspace.context, tokens, into: workspace.attended, workspace) { rows in
            normalize(rows, of: workspace.attended, adding: workspace.hidden, layer.attentionNorm)
        }
        multiply(layer.intermediate, workspace.attended, tokens, into: workspace.intermediate, workspace, epilogue: .gelu)
        multiply(layer.output, workspace.intermediate, tokens, into: workspace.hidden, workspace) { rows in
            normalize(rows, of: workspace.hidden, adding: workspace.attended, layer.outputNorm)
        }
    }

    /// `linear` applied to `input`, in its precision, with the epilogue.
    private func multiply(
        _ linear: BertLinear, _ input: UnsafePointer<Float>, _ tokens: Int, into output: UnsafeMutablePointer<Float>,
        _ workspace: BertWorkspace, epilogue: FloatGEMMEpilogue = .none
    ) {
        switch linear {
        case .float32(let matrix): gemm.multiply(matrix, input, tokens: tokens, into: output, epilogue: epilogue)
        case .int16(let matrix):
            int16GEMM.multiply(matrix, input, tokens: tokens, into: output, epilogue: epilogue, scratch: workspace.int16Scratch)
        }
    }

    /// `linear` applied to `input`, calling `completingRows` with each block of finished rows.
    private func multiply(
        _ linear: BertLinear, _ input: UnsafePointer<Float>, _ tokens: Int, into output: UnsafeMutablePointer<Float>,
        _ workspace: BertWorkspace, completingRows: (Range<Int>) -> Void
    ) {
        switch linear {
        case .float32(let matrix): gemm.multiply(matrix, input, tokens: tokens, into: output, completingRows: completingRows)
        case .int16(let matrix):
            int16GEMM.multiply(
                matrix, input, tokens: tokens, into: output, scratch: workspace.int16Scratch, completingRows: completingRows)
        }
    }

    /// `matrix[t] = LN(matrix[t] + residual[t])` for the tokens `rows`.
    private func normalize(
        _ rows: Range<Int>, of matrix: UnsafeMutablePointer<Float>, adding residual: UnsafePointer<Float>,
        _ norm: (weight: UnsafePointer<Float>, bias: UnsafePointer<Float>)
    ) {
        let hidden = configuration.hiddenSize
        for token in rows {
            LayerNorm.normalize(
                matrix + token * hidden, adding: residual + token * hidden, width: hidden,
                weight: norm.weight, bias: norm.bias, epsilon: configuration.layerNormEpsilon)
        }
    }
}
