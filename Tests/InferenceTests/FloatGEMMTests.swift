import Foundation
import Testing
@testable import Inference

/// The blocked GEMM against a plain triple loop on random data.
@Suite struct FloatGEMMTests {
    /// A tensor over `values`, `[rows][columns]`; the caller keeps `values` alive.
    private func tensor(_ name: String, _ values: UnsafeBufferPointer<Float>, rows: Int, columns: Int) -> Tensor {
        Tensor(name: name, type: .f32, shape: columns == 0 ? [rows] : [columns, rows],
               data: UnsafeRawPointer(values.baseAddress!), byteCount: values.count * 4)
    }

    /// `output[t][o] = bias[o] + Σ input[t][i]·W[o][i]` in double precision.
    private func naive(_ weights: [Float], _ bias: [Float], _ input: [Float], tokens: Int, rows: Int, columns: Int) -> [Double] {
        var output = [Double](repeating: 0, count: tokens * rows)
        for token in 0..<tokens {
            for row in 0..<rows {
                var sum = Double(bias[row])
                for column in 0..<columns { sum += Double(input[token * columns + column]) * Double(weights[row * columns + column]) }
                output[token * rows + row] = sum
            }
        }
        return output
    }

    @Test(arguments: [
        (tokens: 1, rows: 16, columns: 16), (tokens: 7, rows: 37, columns: 50), (tokens: 13, rows: 1152, columns: 384),
        (tokens: 200, rows: 384, columns: 1536), (tokens: 97, rows: 48, columns: 800),
    ])
    func matchesNaiveProduct(shape: (tokens: Int, rows: Int, columns: Int)) throws {
        var random = SeededRandom(state: UInt64(shape.tokens * 1_000_003 + shape.rows * 31 + shape.columns))
        let weights = random.values(shape.rows * shape.columns)
        let bias = random.values(shape.rows)
        let input = random.values(shape.tokens * shape.columns)
        let expected = naive(weights, bias, input, tokens: shape.tokens, rows: shape.rows, columns: shape.columns)

        for threads in [1, 2] {
            let pool = ThreadPool(threads: threads)
            var gemm = FloatGEMM(pool: pool)
            gemm.blockDepth = 256  // exercise the partial sums kept between depth slices
            let packed = try weights.withUnsafeBufferPointer { w in
                try bias.withUnsafeBufferPointer { b in
                    try PackedFloatMatrix(stacking: [(
                        tensor("w", w, rows: shape.rows, columns: shape.columns), tensor("b", b, rows: shape.rows, columns: 0))])
                }
            }
            for gelu in [false, true] {
                var output = [Float](repeating: .nan, count: shape.tokens * shape.rows)
                input.withUnsafeBufferPointer { inputBuffer in
                    output.withUnsafeMutableBufferPointer { outputBuffer in
                        gemm.multiply(
                            packed, inputBuffer.baseAddress!, tokens: shape.tokens, into: outputBuffer.baseAddress!,
                            epilogue: gelu ? .gelu : .none)
                    }
                }
                var worst = 0.0
                for index in 0..<output.count {
                    let exact = expected[index]
                    let wanted = gelu ? exact * 0.5 * (1 + erf(exact / 2.0.squareRoot())) : exact
                    worst = max(worst, abs(Double(output[index]) - wanted))
                }
                // Float32 sums of up to 1536 products of values in [-1, 1].
                #expect(worst <= 2e-4, "\(shape) threads \(threads) gelu \(gelu): off by \(worst)")
            }
        }
    }

    @Test(arguments: [10, 500])
    func completedRowsAreWholeAndReportedOnce(tokens: Int) throws {
        let rows = 40, columns = 64
        var random = SeededRandom(state: UInt64(tokens))
        let weights = random.values(rows * columns)
        let bias = random.values(rows)
        let input = random.values(tokens * columns)
        let expected = naive(weights, bias, input, tokens: tokens, rows: rows, columns: columns)
        let packed = try weights.withUnsafeBufferPointer { w in
            try bias.withUnsafeBufferPointer { b in
                try PackedFloatMatrix(stacking: [(
                    tensor("w", w, rows: rows, columns: columns), tensor("b", b, rows: rows, columns: 0))])
            }
        }
        let gemm = FloatGEMM(pool: ThreadPool(threads: 2))
        var output = [Float](repeating: .nan, count: tokens * rows)
        var rowSums = [Double](repeating: .nan, count: tokens)
        let lock = NSLock()
        var reported = 0
        input.withUnsafeBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                rowSums.withUnsafeMutableBufferPointer { sums in
                    gemm.multiply(packed, inputBuffer.baseAddress!, tokens: tokens, into: outputBuffer.baseAddress!) { range in
                        // Each completed row must already hold every output.
                        for token in range {
                            sums[token] = (0..<rows).reduce(0.0) { $0 + Double(outputBuffer[token * rows + $1]) }
                        }
                        lock.lock(); reported += range.count; lock.unlock()
                    }
                }
            }
        }
        #expect(reported == tokens)
        for token in 0..<tokens {
            let exact = (0..<rows).reduce(0.0) { $0 + expected[token * rows + $1] }
            #expect(abs(rowSums[token] - exact) <= 1e-3, "row \(token)")
        }
    }
}
