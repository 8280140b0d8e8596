import CKernels

/// Matrix products of stored weights with float activations: `output[t] = W · input[t]`.
///
/// Activations are quantized once per call into the weight format's activation blocks; then
/// the pool splits the weight rows, and each worker multiplies its rows by every input row
/// while those weight rows are hot in cache.
struct MatMul {
    let pool: ThreadPool

    /// `input` is `[tokens][weight.columns]`, `output` is `[tokens][weight.rows]`;
    /// `scratch` must hold `quantizedBytes(weight:tokens:)` bytes.
    func multiply(
        _ weight: Tensor, _ input: UnsafePointer<Float>, tokens: Int,
        into output: UnsafeMutablePointer<Float>, scratch: UnsafeMutableRawPointer
    ) {
        switch weight.type {
        case .q4_1: multiplyTiled(Q4_1.self, weight, input, tokens, output, scratch, kernel: atrium_gemm_q4_1_q8_1)
        case .q8_0: multiplyTiled(Q8_0.self, weight, input, tokens, output, scratch, kernel: atrium_gemm_q8_0_q8_0)
        case .f32: multiply(F32.self, weight, input, tokens, output, scratch)
        case .f16: multiply(F16.self, weight, input, tokens, output, scratch)
        case .bf16: multiply(BF16.self, weight, input, tokens, output, scratch)
        case .q4_0: multiply(Q4_0.self, weight, input, tokens, output, scratch)
        case .q5_0: multiply(Q5_0.self, weight, input, tokens, output, scratch)
        case .q5_1: multiply(Q5_1.self, weight, input, tokens, output, scratch)
        case .q4_K: multiply(Q4_K.self, weight, input, tokens, output, scratch)
        case .q5_K: multiply(Q5_K.self, weight, input, tokens, output, scratch)
        case .q6_K: multiply(Q6_K.self, weight, input, tokens, output, scratch)
        default: preconditionFailure("MatMul: \(weight.type) has no kernel; ModelLoader must refuse it")
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

    /// Quantizes the activations, then lets each worker run `kernel` over its share of rows
    /// (in multiples of 4, the kernel's tile height) for every token.
    private func multiplyTiled<Format: WeightFormat>(
        _ format: Format.Type, _ weight: Tensor, _ input: UnsafePointer<Float>, _ tokens: Int,
        _ output: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutableRawPointer, kernel: TileKernel
    ) {
        let columns = weight.columns
        let rows = weight.rows
        let activationBytes = Format.Activation.byteCount(elements: columns)
        let blocks = columns / Format.type.blockElements
        let rowBytes = weight.rowBytes
        let weights = weight.data.assumingMemoryBound(to: UInt8.self)
        let activations = UnsafePointer(scratch.assumingMemoryBound(to: UInt8.self))
        quantize(Format.Activation.self, input, tokens: tokens, columns: columns, into: scratch)
        let groups = (rows + 3) / 4
        pool.parallel { worker, workers in
            let share = ThreadPool.share(of: groups, worker: worker, workers: workers)
            let first = share.lowerBound * 4
            let end = min(share.upperBound * 4, rows)
            guard first < end else { return }
            kernel(weights + first * rowBytes, rowBytes, Int32(end - first), activations, activationBytes,
                   Int32(tokens), Int32(blocks), output + first, rows)
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

    private func multiply<Format: WeightFormat>(
        _ format: Format.Type, _ weight: Tensor, _ input: UnsafePointer<Float>, _ tokens: Int,
        _ output: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutableRawPointer
    ) {
        let columns = weight.columns
        let rows = weight.rows
        let activationBytes = Format.Activation.byteCount(elements: columns)
        let blocks = columns / Format.type.blockElements
        let rowBytes = weight.rowBytes
        let data = weight.data

        quantize(Format.Activation.self, input, tokens: tokens, columns: columns, into: scratch)
        pool.parallel { worker, workers in
            for row in ThreadPool.share(of: rows, worker: worker, workers: workers) {
                let weightRow = data + row * rowBytes
                for token in 0..<tokens {
                    output[token * rows + row] = Format.dot(weightRow, scratch + token * activationBytes, blocks: blocks)
                }
            }
        }
    }
}
