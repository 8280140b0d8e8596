import Foundation
import Testing
@testable import Inference

/// The int16 GEMM of the sentence encoder: within the rounding bound of the exact product, and
/// the same bits on every ISA level, thread count and split of the work.
@Suite struct Int16GEMMTests {
    private func tensor(_ name: String, _ values: UnsafeBufferPointer<Float>, rows: Int, columns: Int) -> Tensor {
        Tensor(name: name, type: .f32, shape: columns == 0 ? [rows] : [columns, rows],
               data: UnsafeRawPointer(values.baseAddress!), byteCount: values.count * 4)
    }

    private func pack(
        _ weights: [Float], _ bias: [Float], rows: Int, columns: Int, kernels: KernelSet = .active
    ) throws -> PackedInt16Matrix {
        try weights.withUnsafeBufferPointer { w in
            try bias.withUnsafeBufferPointer { b in
                try PackedInt16Matrix(
                    stacking: [(tensor("w", w, rows: rows, columns: columns), tensor("b", b, rows: rows, columns: 0))],
                    kernels: kernels)
            }
        }
    }

    /// The exact product in double precision, and how far the rounding of both factors can move
    /// it: each factor off by at most half its step (its row's largest magnitude / 511, its
    /// token's / 2047).
    private func exact(_ weights: [Float], _ bias: [Float], _ input: [Float], tokens: Int, rows: Int, columns: Int)
        -> (values: [Double], bounds: [Double])
    {
        var values = [Double](repeating: 0, count: tokens * rows), bounds = values
        for token in 0..<tokens {
            let x = input[(token * columns)..<((token + 1) * columns)]
            let stepX = Double(x.map(abs).max()!) / 2047
            for row in 0..<rows {
                let w = weights[(row * columns)..<((row + 1) * columns)]
                let stepW = Double(w.map(abs).max()!) / 511
                var sum = Double(bias[row]), bound = 1e-5
                for (a, b) in zip(x, w) {
                    sum += Double(a) * Double(b)
                    bound += abs(Double(b)) * stepX / 2 + abs(Double(a)) * stepW / 2 + stepX * stepW / 4
                }
                values[token * rows + row] = sum
                bounds[token * rows + row] = bound
            }
        }
        return (values, bounds)
    }

    private func run(_ packed: PackedInt16Matrix, _ input: [Float], tokens: Int, threads: Int, gelu: Bool) -> [Float] {
        let gemm = Int16GEMM(pool: ThreadPool(threads: threads), kernels: packed.kernels)
        let scratch = Int16GEMM.Scratch(threads: threads, columns: packed.columns, kernels: packed.kernels)
        var output = [Float](repeating: .nan, count: tokens * packed.rows)
        input.withUnsafeBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                gemm.multiply(
                    packed, inputBuffer.baseAddress!, tokens: tokens, into: outputBuffer.baseAddress!,
                    epilogue: gelu ? .gelu : .none, scratch: scratch)
            }
        }
        return output
    }

    @Test(arguments: [
        (tokens: 1, rows: 16, columns: 16), (tokens: 7, rows: 37, columns: 50), (tokens: 13, rows: 1152, columns: 384),
        (tokens: 200, rows: 384, columns: 1536), (tokens: 97, rows: 48, columns: 800),
    ])
    func staysWithinRoundingBoundAndIsTheSameOnEveryLevel(shape: (tokens: Int, rows: Int, columns: Int)) throws {
        var random = SeededRandom(state: UInt64(shape.tokens * 1_000_003 + shape.rows * 31 + shape.columns))
        let weights = random.values(shape.rows * shape.columns)
        let bias = random.values(shape.rows)
        var input = random.values(shape.tokens * shape.columns)
        input[0] = 30  // an outlier, as BERT's activations have in a few channels
        let (expected, bounds) = exact(weights, bias, input, tokens: shape.tokens, rows: shape.rows, columns: shape.columns)
        let reference = try pack(weights, bias, rows: shape.rows, columns: shape.columns, kernels: KernelSet(.scalar)!)
        // Each level multiplies weights laid out for it (AMX: byte tiles).
        let packed = try KernelISA.supported.map {
            try pack(weights, bias, rows: shape.rows, columns: shape.columns, kernels: KernelSet($0)!)
        }

        for gelu in [false, true] {
            let reference = run(reference, input, tokens: shape.tokens, threads: 1, gelu: gelu)
            for index in reference.indices {
                let wanted = gelu ? expected[index] * 0.5 * (1 + erf(expected[index] / 2.0.squareRoot())) : expected[index]
                // GELU moves a value by at most 1.13 times as much as its input moved.
                let bound = gelu ? bounds[index] * 1.13 + 1e-5 : bounds[index]
                #expect(abs(Double(reference[index]) - wanted) <= bound, "\(shape) gelu \(gelu) [\(index)]")
            }
            for matrix in packed {
                for threads in [1, 2] {
                    let output = run(matrix, input, tokens: shape.tokens, threads: threads, gelu: gelu)
                    #expect(output == reference, "\(shape) \(matrix.kernels.isa) threads \(threads) gelu \(gelu)")
                }
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
        let packed = try pack(weights, bias, rows: rows, columns: columns)
        let expected = run(packed, input, tokens: tokens, threads: 1, gelu: false)
        let gemm = Int16GEMM(pool: ThreadPool(threads: 2), kernels: .active)
        let scratch = Int16GEMM.Scratch(threads: 2, columns: columns, kernels: .active)
        var output = [Float](repeating: .nan, count: tokens * rows)
        let seen = UnsafeMutablePointer<Int>.allocate(capacity: tokens)
        defer { seen.deallocate() }
        seen.initialize(repeating: 0, count: tokens)
        let complete = UnsafeMutablePointer<Bool>.allocate(capacity: tokens)
        defer { complete.deallocate() }
        complete.initialize(repeating: false, count: tokens)
        input.withUnsafeBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                let out = outputBuffer.baseAddress!
                gemm.multiply(packed, inputBuffer.baseAddress!, tokens: tokens, into: out, scratch: scratch) { range in
                    for token in range {
                        seen[token] += 1
                        complete[token] = (0..<rows).allSatisfy { out[token * rows + $0] == expected[token * rows + $0] }
                    }
                }
            }
        }
        for token in 0..<tokens {
            #expect(seen[token] == 1, "token \(token) reported \(seen[token]) times")
            #expect(complete[token], "token \(token) reported before its rows were complete")
        }
        #expect(output == expected)
    }
}
