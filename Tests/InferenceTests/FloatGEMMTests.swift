import Foundation
import Testing
@testable import Inference

/// The blocked GEMM and the attention against plain loops on random data.
@Suite struct FloatGEMMTests {
    /// A generator with a fixed seed, so a failure can be reproduced.
    private struct Random {
        var state: UInt64
        mutating func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 2_000_001 - 1_000_000) / 1_000_000
        }
        mutating func values(_ count: Int) -> [Float] { (0..<count).map { _ in next() } }
    }

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
        var random = Random(state: UInt64(shape.tokens * 1_000_003 + shape.rows * 31 + shape.columns))
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

    @Test func attentionMatchesNaiveSoftmax() throws {
        let headCount = 3, headSize = 32, hidden = 96
        let lengths = [1, 5, 17, 40]
        var random = Random(state: 7)
        var batch = BertBatch()
        for length in lengths { batch.append([TokenID](repeating: 0, count: length)) }
        let tokens = batch.tokenCount
        let queryKeyValue = random.values(tokens * 3 * hidden).map { $0 * 3 }
        let attention = BertAttention(headCount: headCount, headSize: headSize, pool: ThreadPool(threads: 2))
        let perWorker = BertAttention.scratchPerWorker(length: 40, headSize: headSize)
        var scratch = [Float](repeating: .nan, count: perWorker * 2)
        var context = [Float](repeating: .nan, count: tokens * hidden)
        queryKeyValue.withUnsafeBufferPointer { qkv in
            scratch.withUnsafeMutableBufferPointer { scratchBuffer in
                context.withUnsafeMutableBufferPointer { contextBuffer in
                    attention.run(
                        queryKeyValue: qkv.baseAddress!, sequences: batch.sequences, into: contextBuffer.baseAddress!,
                        scratch: scratchBuffer.baseAddress!, scratchPerWorker: perWorker)
                }
            }
        }
        var worst = 0.0
        for sequence in batch.sequences {
            for head in 0..<headCount {
                for query in sequence {
                    func value(_ token: Int, _ part: Int, _ dimension: Int) -> Double {
                        Double(queryKeyValue[token * 3 * hidden + part * hidden + head * headSize + dimension])
                    }
                    let scores = sequence.map { key in
                        (0..<headSize).reduce(0.0) { $0 + value(query, 0, $1) * value(key, 1, $1) } / Double(headSize).squareRoot()
                    }
                    let largest = scores.max()!
                    let weights = scores.map { Foundation.exp($0 - largest) }
                    let total = weights.reduce(0, +)
                    for dimension in 0..<headSize {
                        let exact = zip(sequence, weights).reduce(0.0) { $0 + $1.1 / total * value($1.0, 2, dimension) }
                        worst = max(worst, abs(exact - Double(context[query * hidden + head * headSize + dimension])))
                    }
                }
            }
        }
        #expect(worst <= 1e-5, "attention off by \(worst)")
    }
}

/// The vector `exp`, `erf` and GELU against Foundation's double-precision functions.
@Suite struct VectorMathTests {
    private func worstError(
        from start: Float, to end: Float, _ vector: (SIMD16<Float>) -> SIMD16<Float>, _ exact: (Double) -> Double,
        relative: Bool
    ) -> Double {
        var worst = 0.0
        let steps = 200_000
        var index = 0
        while index < steps {
            var lanes = SIMD16<Float>()
            for lane in 0..<16 { lanes[lane] = start + (end - start) * Float(index + lane) / Float(steps) }
            let result = vector(lanes)
            for lane in 0..<16 {
                let wanted = exact(Double(lanes[lane]))
                let error = abs(Double(result[lane]) - wanted)
                worst = max(worst, relative ? error / abs(wanted) : error)
            }
            index += 16
        }
        return worst
    }

    @Test func expIsWithinTwoUlp() {
        let worst = worstError(from: -87, to: 88, VectorMath.exp, Foundation.exp, relative: true)
        #expect(worst <= 2.4e-7, "relative error \(worst)")
        let tiny = VectorMath.exp(SIMD16(repeating: -.infinity))
        #expect(tiny[0] >= 0 && tiny[0] < 1e-37)
    }

    @Test func erfIsWithinFloatNoise() {
        let worst = worstError(from: -6, to: 6, VectorMath.erf, Foundation.erf, relative: false)
        #expect(worst <= 5e-7, "absolute error \(worst)")
        #expect(VectorMath.erf(SIMD16(repeating: 10))[0] == 1)
        #expect(VectorMath.erf(SIMD16(repeating: -10))[0] == -1)
    }

    @Test func geluIsTheErfForm() {
        let exact = { (x: Double) in x * 0.5 * (1 + Foundation.erf(x / 2.0.squareRoot())) }
        let worst = worstError(from: -8, to: 8, VectorMath.gelu, exact, relative: false)
        #expect(worst <= 2e-6, "absolute error \(worst)")
        // The tanh approximation differs from the erf form by up to ~5e-4 near |x| = 2.
        let tanhForm = { (x: Double) in 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x))) }
        #expect(abs(Double(VectorMath.gelu(SIMD16(repeating: 2.5))[0]) - tanhForm(2.5)) > 1e-4)
    }
}
