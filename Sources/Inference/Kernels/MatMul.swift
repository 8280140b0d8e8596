import CKernels

/// Matrix products of stored weights with float activations: `output[t] = W · input[t]`.
///
/// Activations are quantized once per call into the weight format's activation blocks; then
/// the pool splits the weight rows, and each worker multiplies its rows by every input row
/// while those weight rows are hot in cache. Weights with an interleaved copy go to the
/// interleaved kernels (`InterleavedMatrix`) where the kernel level has them (AVX2 and up),
/// the rest to the row-major ones.
struct MatMul {
    let pool: ThreadPool
    /// The ISA level of the C kernels this product runs.
    var kernels: KernelSet = .active

    /// `input` is `[tokens][weight.columns]`, `output` is `[tokens][weight.rows]`;
    /// `scratch` must hold `quantizedBytes(columns:tokens:)` bytes.
    func multiply(
        _ weight: LinearWeight, _ input: UnsafePointer<Float>, tokens: Int,
        into output: UnsafeMutablePointer<Float>, scratch: UnsafeMutableRawPointer
    ) {
        multiply([weight], input, tokens: tokens, into: [output], scratch: scratch)
    }

    /// Several products of the same input (Q, K and V; gate and up) in one pass: the input is
    /// quantized once per weight format and the workers share the rows of all weights.
    /// `outputs[i]` is `[tokens][weights[i].rows]`.
    func multiply(
        _ weights: [LinearWeight], _ input: UnsafePointer<Float>, tokens: Int,
        into outputs: [UnsafeMutablePointer<Float>], scratch: UnsafeMutableRawPointer
    ) {
        guard let type = weights.first?.type else { return }
        if weights.contains(where: { $0.type != type }) {
            // Mixed formats (some Gemma layers store V as Q8_0): one pass per format.
            for format in Set(weights.map(\.type)) {
                let indices = weights.indices.filter { weights[$0].type == format }
                multiply(indices.map { weights[$0] }, input, tokens: tokens, into: indices.map { outputs[$0] }, scratch: scratch)
            }
            return
        }
        let interleaved = weights.compactMap(\.interleaved)
        if interleaved.count == weights.count, kernels.hasInterleavedKernels {
            multiplyInterleaved(interleaved, input, tokens, outputs, scratch)
            return
        }
        let weights = weights.map(\.tensor)
        switch type {
        case .q4_1: fused(Q4_1.self, weights, input, tokens, outputs, scratch, kernel: kernels.gemmQ4_1)
        case .q8_0: fused(Q8_0.self, weights, input, tokens, outputs, scratch, kernel: kernels.gemmQ8_0)
        case .f32: fused(F32.self, weights, input, tokens, outputs, scratch)
        case .f16: fused(F16.self, weights, input, tokens, outputs, scratch)
        case .bf16: fused(BF16.self, weights, input, tokens, outputs, scratch)
        case .q4_0: fused(Q4_0.self, weights, input, tokens, outputs, scratch)
        case .q5_0: fused(Q5_0.self, weights, input, tokens, outputs, scratch)
        case .q5_1: fused(Q5_1.self, weights, input, tokens, outputs, scratch)
        case .q4_K: fused(Q4_K.self, weights, input, tokens, outputs, scratch)
        case .q5_K: fused(Q5_K.self, weights, input, tokens, outputs, scratch)
        case .q6_K: fused(Q6_K.self, weights, input, tokens, outputs, scratch)
        case .q8_1, .q2_K, .q3_K, .q8_K:
            preconditionFailure("MatMul: \(type) has no kernel; the model loader must refuse it")
        }
    }

    /// The interleaved kernels: activations quantized once, then each worker takes a
    /// contiguous share of the 16-row groups of all `matrices`.
    private func multiplyInterleaved(
        _ matrices: [InterleavedMatrix], _ input: UnsafePointer<Float>, _ tokens: Int,
        _ outputs: [UnsafeMutablePointer<Float>], _ scratch: UnsafeMutableRawPointer
    ) {
        quantizeInterleaved(input, columns: matrices[0].columns, tokens: tokens, into: scratch)
        multiplyQuantized(matrices, UnsafePointer(scratch.assumingMemoryBound(to: UInt8.self)), tokens: tokens,
                          into: outputs)
    }

    /// Whether `weights` all go to the interleaved kernels, so that one quantization of their
    /// input (`quantizeInterleaved`) serves them (`multiplyQuantized`, `multiplyGroups`).
    func isInterleaved(_ weights: LinearWeight...) -> Bool {
        kernels.hasInterleavedKernels && weights.allSatisfy { $0.interleaved != nil }
    }

    /// A decoding batch's activations are quantized faster on the calling thread than a pool
    /// call could hand half of them over (8 tokens of SmolLM2's 576: a microsecond or two).
    private static let serialQuantizeElements = 8192

    /// Quantizes `tokens` rows of `columns` floats for the interleaved kernels into `scratch`
    /// (`InterleavedMatrix.activationBytes(columns:tokens:)` bytes).
    func quantizeInterleaved(
        _ input: UnsafePointer<Float>, columns: Int, tokens: Int, into scratch: UnsafeMutableRawPointer
    ) {
        let blocks = Int32(columns / 32)
        let tokenBytes = InterleavedMatrix.activationBytes(columns: columns, tokens: 1)
        let activations = scratch.assumingMemoryBound(to: UInt8.self)
        let kernels = self.kernels
        if tokens * columns <= Self.serialQuantizeElements || pool.threadCount == 1 {
            kernels.interleavedQuantize(input, stride: columns, tokens: Int32(tokens), blocks: blocks, into: activations)
            return
        }
        pool.parallel { worker, workers in
            let share = ThreadPool.share(of: tokens, worker: worker, workers: workers)
            guard !share.isEmpty else { return }
            kernels.interleavedQuantize(input + share.lowerBound * columns, stride: columns, tokens: Int32(share.count),
                                        blocks: blocks, into: activations + share.lowerBound * tokenBytes)
        }
    }

    /// `outputs[i] = matrices[i] · activations` (already quantized) in one pool call: each
    /// worker takes a contiguous share of the 16-row groups of all `matrices`.
    func multiplyQuantized(
        _ matrices: [InterleavedMatrix], _ activations: UnsafePointer<UInt8>, tokens: Int,
        into outputs: [UnsafeMutablePointer<Float>]
    ) {
        forEachShare(of: matrices.map(\.groupCount)) { index, groups in
            multiplyGroups(matrices[index], groups, activations, tokens: tokens, into: outputs[index])
        }
    }

    /// Rows `16 · groups` of `output = matrix · activations`, on the calling thread (a worker's
    /// share inside a caller's own pool call). `output` is `[tokens][matrix.rows]`.
    func multiplyGroups(
        _ matrix: InterleavedMatrix, _ groups: Range<Int>, _ activations: UnsafePointer<UInt8>, tokens: Int,
        into output: UnsafeMutablePointer<Float>
    ) {
        kernels.interleavedGEMM(
            format: matrix.format, matrix.group(groups.lowerBound), groups: Int32(groups.count),
            blocks: Int32(matrix.columns / 32), activations, tokens: Int32(tokens),
            into: output + groups.lowerBound * InterleavedMatrix.groupRows, stride: matrix.rows)
    }

    /// Splits the row groups of several matrices (`groupCounts[i]` each, counted as one run)
    /// into one contiguous share per worker, and calls `body(i, groups)` on that worker for
    /// the part of matrix `i` in its share.
    private func forEachShare(of groupCounts: [Int], _ body: (_ matrix: Int, _ groups: Range<Int>) -> Void) {
        let totalGroups = groupCounts.reduce(0, +)
        pool.parallel { worker, workers in
            let share = ThreadPool.share(of: totalGroups, worker: worker, workers: workers)
            var base = 0
            for (index, count) in groupCounts.enumerated() {
                defer { base += count }
                let low = max(share.lowerBound, base), high = min(share.upperBound, base + count)
                if low < high { body(index, (low - base)..<(high - base)) }
            }
        }
    }

    /// Expands row `row` of `tensor` into floats (embedding lookup; not a hot path).
    static func dequantizeRow(_ tensor: Tensor, row: Int, into output: UnsafeMutablePointer<Float>) {
        guard let format = weightFormat(tensor.type) else {
            preconditionFailure("MatMul: \(tensor.type) has no kernel; the model loader must refuse it")
        }
        format.dequantize(tensor.row(row), blocks: tensor.columns / tensor.type.blockElements, into: output)
    }

    /// The kernels for weights stored as `type`, if there are any.
    static func weightFormat(_ type: TensorType) -> (any WeightFormat.Type)? {
        switch type {
        case .q4_1: return Q4_1.self
        case .q8_0: return Q8_0.self
        case .f32: return F32.self
        case .f16: return F16.self
        case .bf16: return BF16.self
        case .q4_0: return Q4_0.self
        case .q5_0: return Q5_0.self
        case .q5_1: return Q5_1.self
        case .q4_K: return Q4_K.self
        case .q5_K: return Q5_K.self
        case .q6_K: return Q6_K.self
        case .q8_1, .q2_K, .q3_K, .q8_K: return nil
        }
    }

    /// Whether `multiply` has a kernel for `type`.
    static func supports(_ type: TensorType) -> Bool {
        weightFormat(type) != nil
    }

    /// Scratch bytes `multiply` needs for `tokens` rows of activations for `weight`.
    static func quantizedBytes(columns: Int, tokens: Int) -> Int {
        // Float activations take 4 bytes per element; every quantized activation block takes less.
        tokens * columns * 4
    }

    /// The signature of the C tile kernels (see CKernels.h).
    typealias TileKernel = @convention(c) (
        UnsafePointer<UInt8>?, Int, Int32, UnsafePointer<UInt8>?, Int, Int32, Int32, UnsafeMutablePointer<Float>?, Int
    ) -> Void

    /// Rows are handed out in groups of 4, the C kernels' tile height.
    private static let rowGroup = 4

    /// Quantizes the input once, then lets each worker take a contiguous share of the row
    /// groups of all `weights`, computing them with the C tile `kernel` or the Swift `dot`.
    private func fused<Format: WeightFormat>(
        _ format: Format.Type, _ weights: [Tensor], _ input: UnsafePointer<Float>, _ tokens: Int,
        _ outputs: [UnsafeMutablePointer<Float>], _ scratch: UnsafeMutableRawPointer, kernel: TileKernel? = nil
    ) {
        let columns = weights[0].columns
        let activationBytes = Format.Activation.byteCount(elements: columns)
        let blocks = columns / Format.type.blockElements
        let groupCounts = weights.map { ($0.rows + Self.rowGroup - 1) / Self.rowGroup }
        quantize(Format.Activation.self, input, tokens: tokens, columns: columns, into: scratch)
        let activations = UnsafePointer(scratch.assumingMemoryBound(to: UInt8.self))

        forEachShare(of: groupCounts) { index, groups in
            let weight = weights[index]
            let rows = weight.rows, rowBytes = weight.rowBytes
            let first = groups.lowerBound * Self.rowGroup
            let end = min(groups.upperBound * Self.rowGroup, rows)
            let output = outputs[index]
            if let kernel {
                kernel(weight.data.assumingMemoryBound(to: UInt8.self) + first * rowBytes, rowBytes, Int32(end - first),
                       activations, activationBytes, Int32(tokens), Int32(blocks), output + first, rows)
                return
            }
            for row in first..<end {
                let weightRow = weight.data + row * rowBytes
                for token in 0..<tokens {
                    output[token * rows + row] = Format.dot(weightRow, scratch + token * activationBytes, blocks: blocks)
                }
            }
        }
    }

    /// Quantizes `tokens` rows of activations; in parallel only when there are many.
    private func quantize<Activation: ActivationFormat>(
        _ format: Activation.Type, _ input: UnsafePointer<Float>, tokens: Int, columns: Int,
        into scratch: UnsafeMutableRawPointer
    ) {
        let activationBytes = Activation.byteCount(elements: columns)
        if tokens < 8 {
            for token in 0..<tokens {
                Activation.quantize(input + token * columns, count: columns, into: scratch + token * activationBytes)
            }
            return
        }
        pool.parallel { worker, workers in
            for token in ThreadPool.share(of: tokens, worker: worker, workers: workers) {
                Activation.quantize(input + token * columns, count: columns, into: scratch + token * activationBytes)
            }
        }
    }
}
