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
        case .q4_1: multiply(Q4_1.self, weight, input, tokens, output, scratch)
        case .q8_0: multiply(Q8_0.self, weight, input, tokens, output, scratch)
        case .f32: multiply(F32.self, weight, input, tokens, output, scratch)
        default: preconditionFailure("MatMul: \(weight.type) has no kernel; ModelLoader must refuse it")
        }
    }

    /// Expands row `row` of `tensor` into floats (embedding lookup).
    static func dequantizeRow(_ tensor: Tensor, row: Int, into output: UnsafeMutablePointer<Float>) {
        let blocks = tensor.columns / tensor.type.blockElements
        let data = tensor.row(row)
        switch tensor.type {
        case .q4_1: Q4_1.dequantize(data, blocks: blocks, into: output)
        case .q8_0: Q8_0.dequantize(data, blocks: blocks, into: output)
        case .f32: F32.dequantize(data, blocks: blocks, into: output)
        default: preconditionFailure("MatMul: \(tensor.type) has no kernel; ModelLoader must refuse it")
        }
    }

    /// Whether `multiply` has a kernel for `type`.
    static func supports(_ type: TensorType) -> Bool {
        [.q4_1, .q8_0, .f32].contains(type)
    }

    /// Scratch bytes `multiply` needs for `tokens` rows of activations for `weight`.
    static func quantizedBytes(columns: Int, tokens: Int) -> Int {
        // Q8_1 is the widest activation block per element (36 bytes per 32) except float (4 per 1).
        tokens * columns * 4
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

        pool.parallel { worker, workers in
            for token in ThreadPool.share(of: tokens, worker: worker, workers: workers) {
                Format.Activation.quantize(input + token * columns, count: columns, into: scratch + token * activationBytes)
            }
        }
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
