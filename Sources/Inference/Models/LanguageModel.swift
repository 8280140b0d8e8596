import CKernels
import Foundation

/// A decoder-only language model loaded from a GGUF file, computing next-token logits for
/// batches of tokens from many sequences at once.
///
/// The forward pass reads like llama2.c's `forward`: embed, then per layer attention and
/// gated feed-forward around a residual stream, then the output norm and projection.
/// Architecture differences (Llama, Gemma 3) are switches in `ModelArchitecture`.
///
/// One forward pass runs at a time (they share scratch buffers); concurrent callers wait.
/// The serving engine batches requests so that they need not.
///
/// ```swift
/// let model = try LanguageModel(path: "SmolLM2-135M-Instruct.Q4_1.gguf", threads: 2)
/// let cache = model.makeCache(slots: 1, maximumPositions: 2048)
/// let logits = try model.forward(.sequence(promptTokens), cache: cache)
/// let next = logits.argmax(row: 0)
/// ```
public final class LanguageModel: @unchecked Sendable {
    public let file: GGUFFile
    public let hyperParameters: HyperParameters
    public let architecture: ModelArchitecture
    /// Largest number of tokens computed in one pass; bigger batches run in chunks.
    public let maximumChunk: Int
    public var threadCount: Int { pool.threadCount }

    let weights: DecoderWeights
    let pool: ThreadPool
    let kernels: KernelSet
    /// The ISA level of the C kernels this model runs (`KernelISA`).
    public var kernelISA: KernelISA { kernels.isa }
    private let scratch: ForwardScratch
    private var attentionScores: UnsafeMutablePointer<Float>
    private var attentionScoresPerWorker = 0
    private let passLock = NSLock()

    public convenience init(
        path: String, threads: Int = ThreadPool.availableCores, maximumChunk: Int = 512,
        interleaving: Bool = true, kernels: KernelISA? = nil
    ) throws {
        try self.init(file: GGUFFile(path: path), threads: threads, maximumChunk: maximumChunk, interleaving: interleaving,
                      kernels: kernels)
    }

    /// `interleaving: false` keeps the weights in the file's row-major layout only, so the
    /// interleaved kernels are not used (for comparing kernels; it costs speed). `kernels`
    /// picks the ISA level of the C kernels (default: the active one, `KernelISA.active`).
    public init(
        file: GGUFFile, threads: Int, maximumChunk: Int = 512, interleaving: Bool = true, kernels: KernelISA? = nil
    ) throws {
        let isa = kernels ?? KernelISA.active
        guard let kernels = KernelSet(isa) else { throw InferenceError.unsupportedKernels(isa) }
        self.kernels = kernels
        self.file = file
        hyperParameters = try HyperParameters(metadata: file.metadata)
        architecture = try ModelArchitecture.named(hyperParameters.architecture)
        weights = try DecoderWeights(
            file: file, hyperParameters: hyperParameters, architecture: architecture,
            interleaving: interleaving && kernels.hasInterleavedKernels)
        pool = ThreadPool(threads: threads)
        self.maximumChunk = max(1, maximumChunk)
        scratch = ForwardScratch(tokens: self.maximumChunk, hyperParameters: hyperParameters)
        attentionScores = .allocate(capacity: 1)
    }

    deinit {
        attentionScores.deallocate()
    }

    /// A KV cache for `slots` concurrent sequences of up to `maximumPositions` tokens.
    public func makeCache(slots: Int, maximumPositions: Int) -> KVCache {
        KVCache(hyperParameters: hyperParameters, slots: slots, maximumPositions: maximumPositions)
    }

    /// Runs `batch`, appending its keys and values to `cache`; returns the logits asked for.
    public func forward(_ batch: Batch, cache: KVCache) throws -> Logits {
        passLock.lock()
        defer { passLock.unlock() }
        try validate(batch, cache: cache)
        let vocabulary = hyperParameters.vocabularySize
        var logits = Logits(vocabularySize: vocabulary, values: [Float](repeating: 0, count: batch.logitCount * vocabulary))
        var logitRow = 0
        var start = 0
        try logits.values.withUnsafeMutableBufferPointer { output in
            while start < batch.count {
                let end = min(start + maximumChunk, batch.count)
                try forwardChunk(batch, start..<end, cache: cache, logits: output.baseAddress! + logitRow * vocabulary)
                logitRow += batch.wantsLogits[start..<end].lazy.filter { $0 }.count
                start = end
            }
        }
        return logits
    }

    private func validate(_ batch: Batch, cache: KVCache) throws {
        guard batch.count > 0 else { throw InferenceError.emptyBatch }
        var next: [Int: Int] = [:]
        for i in 0..<batch.count {
            let token = batch.tokens[i]
            guard token >= 0, Int(token) < hyperParameters.vocabularySize else {
                throw InferenceError.invalidToken(token, vocabularySize: hyperParameters.vocabularySize)
            }
            let sequence = batch.sequences[i]
            guard sequence >= 0, sequence < cache.slotCount else {
                throw InferenceError.invalidSequence(sequence, slots: cache.slotCount)
            }
            let expected = next[sequence] ?? cache.length(of: sequence)
            guard batch.positions[i] == expected else {
                throw InferenceError.positionMismatch(sequence: sequence, expected: expected, found: batch.positions[i])
            }
            next[sequence] = expected + 1
        }
        for (sequence, end) in next {
            guard end <= cache.maximumPositions else {
                throw InferenceError.contextOverflow(requested: end, limit: cache.maximumPositions)
            }
            try cache.reserve(sequence, positions: end)
        }
    }

    // MARK: - The forward pass

    private func forwardChunk(_ batch: Batch, _ range: Range<Int>, cache: KVCache, logits: UnsafeMutablePointer<Float>) throws {
        let hp = hyperParameters
        let n = range.count
        let d = hp.embeddingLength
        let s = scratch
        let matmul = MatMul(pool: pool, kernels: kernels)
        let positions = Array(batch.positions[range])
        let sequences = Array(batch.sequences[range])

        embed(Array(batch.tokens[range]), into: s.x)
        fillRopeTable(positions, base: hp.ropeBase, into: s.ropeGlobal)
        if hp.ropeBaseLocal != hp.ropeBase { fillRopeTable(positions, base: hp.ropeBaseLocal, into: s.ropeLocal) }

        for (layerIndex, layer) in weights.layers.enumerated() {
            // Attention block.
            rmsNormRows(s.x, layer.attentionNorm, rows: n, width: d, into: s.normed)
            matmul.multiply([layer.query, layer.key, layer.value], s.normed, tokens: n,
                            into: [s.query, s.key, s.value], scratch: s.quantized)
            if let queryNorm = layer.queryNorm, let keyNorm = layer.keyNorm {
                rmsNormRows(s.query, queryNorm, rows: n * hp.headCount, width: hp.headDimension, into: s.query)
                rmsNormRows(s.key, keyNorm, rows: n * hp.kvHeadCount, width: hp.headDimension, into: s.key)
            }
            let sliding = hp.isSliding(layer: layerIndex)
            let rope = sliding && hp.ropeBaseLocal != hp.ropeBase ? s.ropeLocal : s.ropeGlobal
            applyRope(s.query, heads: hp.headCount, tokens: n, table: rope)
            applyRope(s.key, heads: hp.kvHeadCount, tokens: n, table: rope)
            store(keys: s.key, values: s.value, layer: layerIndex, positions: positions, sequences: sequences, cache: cache)
            // With an interleaved output projection, the attention's workers quantize what they
            // computed for it, and the product needs no quantization call of its own.
            let quantizesContext = matmul.isInterleaved(layer.attentionOutput) && hp.headDimension % 32 == 0
                && layer.attentionOutput.columns == hp.queryDimension
            attend(layer: layerIndex, tokens: n, positions: positions, sequences: sequences,
                   window: sliding ? hp.slidingWindow : 0, cache: cache, into: s.normed,
                   quantizingInto: quantizesContext ? s.quantized.assumingMemoryBound(to: UInt8.self) : nil)
            if quantizesContext, let output = layer.attentionOutput.interleaved {
                matmul.multiplyQuantized([output], s.quantized.assumingMemoryBound(to: UInt8.self), tokens: n,
                                         into: [s.branch])
            } else {
                matmul.multiply(layer.attentionOutput, s.normed, tokens: n, into: s.branch, scratch: s.quantized)
            }
            if let postNorm = layer.postAttentionNorm {
                rmsNormRows(s.branch, postNorm, rows: n, width: d, into: s.branch)
            }
            RowKernels.add(s.branch, into: s.x, count: n * d)

            // Feed-forward block.
            rmsNormRows(s.x, layer.feedForwardNorm, rows: n, width: d, into: s.normed)
            feedForward(layer, tokens: n, matmul: matmul)
            if let postNorm = layer.postFeedForwardNorm {
                rmsNormRows(s.branch, postNorm, rows: n, width: d, into: s.branch)
            }
            RowKernels.add(s.branch, into: s.x, count: n * d)
        }

        // Output: only the rows whose logits were asked for.
        var rows = 0
        for (offset, index) in range.enumerated() where batch.wantsLogits[index] {
            (s.normed + rows * d).update(from: s.x + offset * d, count: d)
            rows += 1
        }
        guard rows > 0 else { return }
        rmsNormRows(s.normed, weights.outputNorm, rows: rows, width: d, into: s.normed)
        matmul.multiply(weights.output, s.normed, tokens: rows, into: logits, scratch: s.quantized)
    }

    /// Token embeddings into `[token][d]`, scaled by √d where the architecture asks.
    private func embed(_ tokens: [TokenID], into x: UnsafeMutablePointer<Float>) {
        let d = hyperParameters.embeddingLength
        let table = weights.tokenEmbedding
        for (i, token) in tokens.enumerated() {
            MatMul.dequantizeRow(table, row: Int(token), into: x + i * d)
        }
        if architecture.scalesEmbeddings {
            let scale = Float(d).squareRoot()
            for i in 0..<(tokens.count * d) { x[i] *= scale }
        }
    }

    /// `branch = down · (act(gate · normed) ⊙ (up · normed))` for `n` tokens.
    ///
    /// With interleaved weights, two pool calls instead of five (quantize, gate and up, activation,
    /// quantize, down): each worker computes the same rows of gate and up — whole 32-row blocks of
    /// the hidden layer — applies the activation to them and quantizes them for `down` (its own
    /// blocks of every token's row), so only `down` waits for all of them.
    private func feedForward(_ layer: DecoderLayerWeights, tokens n: Int, matmul: MatMul) {
        let s = scratch
        let ff = hyperParameters.feedForwardLength
        guard matmul.isInterleaved(layer.gate, layer.up, layer.down), ff % 32 == 0,
              let gate = layer.gate.interleaved, let up = layer.up.interleaved, let down = layer.down.interleaved
        else {
            matmul.multiply([layer.gate, layer.up], s.normed, tokens: n, into: [s.gate, s.up], scratch: s.quantized)
            gatedActivation(count: n * ff)
            matmul.multiply(layer.down, s.gate, tokens: n, into: s.branch, scratch: s.quantized)
            return
        }
        matmul.quantizeInterleaved(s.normed, columns: gate.columns, tokens: n, into: s.quantized)
        let input = UnsafePointer(s.quantized.assumingMemoryBound(to: UInt8.self))
        let hidden = s.quantizedHidden
        let activation = architecture.activation
        let kernels = self.kernels
        pool.parallel { worker, workers in
            let blocks = ThreadPool.share(of: ff / 32, worker: worker, workers: workers)
            guard !blocks.isEmpty else { return }
            let groups = (2 * blocks.lowerBound)..<(2 * blocks.upperBound)  // 16-row groups
            matmul.multiplyGroups(gate, groups, input, tokens: n, into: s.gate)
            matmul.multiplyGroups(up, groups, input, tokens: n, into: s.up)
            let first = 32 * blocks.lowerBound
            for token in 0..<n {
                RowKernels.gatedActivation(s.gate + token * ff + first, up: s.up + token * ff + first,
                                           count: 32 * blocks.count, activation: activation)
            }
            kernels.interleavedQuantize(s.gate, stride: ff, tokens: Int32(n), blocks: Int32(ff / 32),
                                        first: Int32(blocks.lowerBound), count: Int32(blocks.count), into: hidden)
        }
        matmul.multiplyQuantized([down], hidden, tokens: n, into: [s.branch])
    }

    /// `gate = act(gate) · up` over the batch; split over the pool once it is big enough to pay
    /// for it (one exponential per element: 12k per layer for 8 decoding sequences).
    private func gatedActivation(count: Int) {
        let gate = scratch.gate, up = scratch.up
        let activation = architecture.activation
        guard count >= 4096, pool.threadCount > 1 else {
            RowKernels.gatedActivation(gate, up: up, count: count, activation: activation)
            return
        }
        pool.parallel { worker, workers in
            let share = ThreadPool.share(of: count, worker: worker, workers: workers)
            RowKernels.gatedActivation(gate + share.lowerBound, up: up + share.lowerBound, count: share.count,
                                       activation: activation)
        }
    }

    private func rmsNormRows(_ x: UnsafeMutablePointer<Float>, _ weight: Tensor, rows: Int, width: Int,
                             into output: UnsafeMutablePointer<Float>) {
        let w = weight.data.assumingMemoryBound(to: Float.self)
        var row = 0
        while row + 4 <= rows {
            RowKernels.rmsNorm4(x + row * width, stride: width, weight: w, count: width,
                                epsilon: hyperParameters.normEpsilon, into: output + row * width)
            row += 4
        }
        for row in row..<rows {
            RowKernels.rmsNorm(x + row * width, weight: w, count: width, epsilon: hyperParameters.normEpsilon,
                               into: output + row * width)
        }
    }

    /// cos and sin of every rotated pair at every position, computed as ggml does
    /// (θ advanced by repeated float multiplication) to stay close to llama.cpp.
    private func fillRopeTable(_ positions: [Int], base: Float, into table: UnsafeMutablePointer<Float>) {
        let hp = hyperParameters
        let pairs = hp.ropeDimensions / 2
        let thetaScale = powf(base, -2 / Float(hp.ropeDimensions))
        let factors = weights.ropeFrequencyFactors?.data.assumingMemoryBound(to: Float.self)
        for (i, position) in positions.enumerated() {
            var theta = Float(position)
            for pair in 0..<pairs {
                let angle = theta / (factors?[pair] ?? 1) / hp.ropeScale
                table[(i * pairs + pair) * 2] = cos(angle)
                table[(i * pairs + pair) * 2 + 1] = sin(angle)
                theta *= thetaScale
            }
        }
    }

    private func applyRope(_ x: UnsafeMutablePointer<Float>, heads: Int, tokens: Int, table: UnsafePointer<Float>) {
        let hp = hyperParameters
        let pairs = hp.ropeDimensions / 2
        for token in 0..<tokens {
            let angles = table + token * pairs * 2
            for head in 0..<heads {
                let v = x + (token * heads + head) * hp.headDimension
                for pair in 0..<pairs {
                    let cosine = angles[pair * 2], sine = angles[pair * 2 + 1]
                    let (a, b) = architecture.ropeStyle == .adjacentPairs ? (2 * pair, 2 * pair + 1) : (pair, pair + pairs)
                    let x0 = v[a], x1 = v[b]
                    v[a] = x0 * cosine - x1 * sine
                    v[b] = x0 * sine + x1 * cosine
                }
            }
        }
    }

    /// Writes the batch's keys and values into the cache as float16.
    private func store(keys: UnsafePointer<Float>, values: UnsafePointer<Float>, layer: Int,
                       positions: [Int], sequences: [Int], cache: KVCache) {
        let kvDim = hyperParameters.kvDimension
        for i in 0..<positions.count {
            let keyRow = cache.keys(layer: layer, sequence: sequences[i]) + positions[i] * kvDim
            let valueRow = cache.values(layer: layer, sequence: sequences[i]) + positions[i] * kvDim
            for j in 0..<kvDim {
                keyRow[j] = halfFromFloat(keys[i * kvDim + j])
                valueRow[j] = halfFromFloat(values[i * kvDim + j])
            }
        }
        if layer == hyperParameters.layerCount - 1 {
            for i in 0..<positions.count { cache.setLength(sequences[i], positions[i] + 1) }
        }
    }

    /// Causal (optionally sliding-window) grouped-query attention of every token and head,
    /// over the cache, into `[token][heads · headDim]`.
    /// With `quantizingInto`, each unit also quantizes the blocks it computed for the interleaved
    /// kernels (`[token]` rows of `InterleavedMatrix.activationBytes`), so that the output
    /// projection can start at once.
    private func attend(layer: Int, tokens: Int, positions: [Int], sequences: [Int], window: Int,
                        cache: KVCache, into output: UnsafeMutablePointer<Float>,
                        quantizingInto quantized: UnsafeMutablePointer<UInt8>? = nil) {
        let hp = hyperParameters
        let headDim = hp.headDimension
        let kvDim = hp.kvDimension
        let group = hp.headCount / hp.kvHeadCount
        let scale = 1 / Float(headDim).squareRoot()
        let longest = (positions.max() ?? 0) + 1
        ensureAttentionScores(perWorker: max(longest + headDim, group * longest))
        let scoresBase = attentionScores
        let stride = attentionScoresPerWorker
        let query = scratch.query
        let kernels = self.kernels
        // A GQA group's heads read the same keys and values: taken together, each row is read
        // once. With few units (one token decoding), single heads keep both cores busy.
        let byGroup = headDim == 64 && group <= 4 && tokens * hp.kvHeadCount >= 4 * pool.threadCount
        let unitHeads = byGroup ? group : 1
        let unitsPerToken = hp.headCount / unitHeads
        let rowWidth = hp.headCount * headDim
        let tokenBytes = InterleavedMatrix.activationBytes(columns: rowWidth, tokens: 1)

        pool.parallel { worker, workers in
            let scores = scoresBase + worker * stride
            for unit in ThreadPool.share(of: tokens * unitsPerToken, worker: worker, workers: workers) {
                let token = unit / unitsPerToken
                let head = unit % unitsPerToken * unitHeads
                let position = positions[token]
                let first = window > 0 ? max(0, position - window + 1) : 0
                let kvOffset = first * kvDim + (head / group) * headDim
                let keys = cache.keys(layer: layer, sequence: sequences[token]) + kvOffset
                let values = cache.values(layer: layer, sequence: sequences[token]) + kvOffset
                let count = Int32(position - first + 1)
                let offset = (token * hp.headCount + head) * headDim
                if byGroup {
                    kernels.attendGroup64(query + offset, heads: Int32(group), keys, values, stride: kvDim, count: count,
                                          scale: scale, scores: scores, scoresStride: longest, into: output + offset)
                } else {
                    kernels.attendHead(query + offset, keys, values, stride: kvDim, count: count, headDim: Int32(headDim),
                                       scale: scale, scores: scores, into: output + offset)
                }
                if let quantized {
                    let blocksPerHead = headDim / 32
                    kernels.interleavedQuantize(
                        output + token * rowWidth, stride: rowWidth, tokens: 1, blocks: Int32(rowWidth / 32),
                        first: Int32(head * blocksPerHead), count: Int32(unitHeads * blocksPerHead),
                        into: quantized + token * tokenBytes)
                }
            }
        }
    }

    private func ensureAttentionScores(perWorker: Int) {
        guard perWorker > attentionScoresPerWorker else { return }
        attentionScores.deallocate()
        attentionScoresPerWorker = max(perWorker, 1024)
        attentionScores = .allocate(capacity: attentionScoresPerWorker * pool.threadCount)
    }
}
