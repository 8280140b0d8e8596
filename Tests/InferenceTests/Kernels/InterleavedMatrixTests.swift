import Testing
@testable import Inference

/// The interleaved kernels (of the active level) against the row-major ones they replace: the same
/// integer dot products, so the results agree to float rounding; and a token's result must
/// not depend on how many tokens share the call (batched decoding stays deterministic).
@Suite(.enabled(if: InterleavedMatrix.isAvailable, "the active kernel level has no interleaved kernels"))
struct InterleavedMatrixTests {
    static let types: [TensorType] = [.q4_1, .q8_0]

    @Test(arguments: types)
    func agreesWithRowMajorKernels(type: TensorType) {
        let (rows, columns, tokens) = (64, 576, 5)
        var random = SeededGenerator(seed: 77 + UInt64(type.rawValue))
        let weights = RandomWeights.make(type, rows: rows, columns: columns, using: &random)
        let x = RandomWeights.activations(count: tokens * columns, using: &random)
        let interleaved = product(type, weights, rows: rows, columns: columns, x, tokens: tokens, interleaving: true)
        let rowMajor = product(type, weights, rows: rows, columns: columns, x, tokens: tokens, interleaving: false)
        let scale = rowMajor.map(abs).max()!
        for index in rowMajor.indices {
            #expect(abs(interleaved[index] - rowMajor[index]) <= 1e-5 * scale, "\(type) output \(index)")
        }
    }

    @Test(arguments: types)
    func tokenResultsDoNotDependOnBatchSize(type: TensorType) {
        let (rows, columns, tokens) = (32, 256, 13)  // 13 tokens: tiles of 8, 4 and 1
        var random = SeededGenerator(seed: 99 + UInt64(type.rawValue))
        let weights = RandomWeights.make(type, rows: rows, columns: columns, using: &random)
        let x = RandomWeights.activations(count: tokens * columns, using: &random)
        let together = product(type, weights, rows: rows, columns: columns, x, tokens: tokens, interleaving: true)
        for token in [0, 7, 8, 12] {
            let alone = product(type, weights, rows: rows, columns: columns,
                                Array(x[token * columns..<(token + 1) * columns]), tokens: 1, interleaving: true)
            #expect(Array(together[token * rows..<(token + 1) * rows]) == alone, "\(type) token \(token)")
        }
    }

    @Test func declinesShapesItDoesNotCover() {
        let weights = [UInt8](repeating: 0, count: 40 * 20)
        weights.withUnsafeBytes { data in
            let tensor = Tensor(name: "w", type: .q4_1, shape: [32, 40], data: data.baseAddress!, byteCount: data.count)
            #expect(InterleavedMatrix(tensor) == nil)  // 40 rows: not whole groups of 16
        }
    }

    private func product(
        _ type: TensorType, _ weights: [UInt8], rows: Int, columns: Int, _ x: [Float], tokens: Int, interleaving: Bool
    ) -> [Float] {
        var output = [Float](repeating: .nan, count: tokens * rows)
        var scratch = [UInt8](repeating: 0, count: MatMul.quantizedBytes(columns: columns, tokens: tokens))
        weights.withUnsafeBytes { data in
            let weight = LinearWeight(
                Tensor(name: "w", type: type, shape: [columns, rows], data: data.baseAddress!, byteCount: data.count),
                interleaving: interleaving)
            #expect((weight.interleaved != nil) == interleaving)
            let matMul = MatMul(pool: ThreadPool(threads: 2))
            output.withUnsafeMutableBufferPointer { out in
                scratch.withUnsafeMutableBytes {
                    matMul.multiply(weight, x, tokens: tokens, into: out.baseAddress!, scratch: $0.baseAddress!)
                }
            }
        }
        return output
    }
}
