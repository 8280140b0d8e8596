import Testing
@testable import Inference

/// `MatMul` end to end for every weight type: random stored weights times random activations
/// against the float product of the dequantized weights.
@Suite struct MatMulTests {
    @Test(arguments: WeightFormats.types, [false, true])
    func productMatchesFloatReference(type: TensorType, interleaving: Bool) {
        // 48 rows can be interleaved (groups of 16); 40 always take the row-major kernels.
        let rows = interleaving ? 48 : 40
        let columns = 512
        let tokens = 3
        var random = SeededGenerator(seed: 1000 + UInt64(type.rawValue))
        let weights = RandomWeights.make(type, rows: rows, columns: columns, using: &random)
        let w = WeightFormats.dequantize(type, weights, rows: rows, columns: columns)
        let x = RandomWeights.activations(count: tokens * columns, using: &random)
        let activationBlock = activationBlockElements(type)

        var output = [Float](repeating: .nan, count: tokens * rows)
        var scratch = [UInt8](repeating: 0, count: MatMul.quantizedBytes(columns: columns, tokens: tokens))
        weights.withUnsafeBytes { data in
            let tensor = LinearWeight(Tensor(
                name: "w", type: type, shape: [columns, rows], data: data.baseAddress!, byteCount: data.count),
                interleaving: interleaving)
            let matMul = MatMul(pool: ThreadPool(threads: 2))
            output.withUnsafeMutableBufferPointer { out in
                scratch.withUnsafeMutableBytes { matMul.multiply(tensor, x, tokens: tokens, into: out.baseAddress!, scratch: $0.baseAddress!) }
            }
        }

        var squaredError: Double = 0
        var squaredNorm: Double = 0
        for token in 0..<tokens {
            let input = Array(x[token * columns..<(token + 1) * columns])
            let error = quantizationError(input, blockElements: activationBlock)
            for row in 0..<rows {
                var exact: Double = 0
                var bound: Double = 0
                var magnitude: Double = 0
                for i in 0..<columns {
                    let weight = Double(w[row * columns + i])
                    exact += weight * Double(input[i])
                    bound += abs(weight) * error[i]
                    magnitude += abs(weight * Double(input[i]))
                }
                let actual = Double(output[token * rows + row])
                // Activation quantization moves each input by at most `error`; float sums add a little.
                #expect(abs(actual - exact) <= 1.01 * bound + 1e-5 * magnitude, "\(type) token \(token) row \(row)")
                squaredError += (actual - exact) * (actual - exact)
                squaredNorm += exact * exact
            }
        }
        // Random rounding errors mostly cancel: typically under 1% of the output's norm.
        #expect((squaredError / squaredNorm).squareRoot() < 0.02, "\(type)")
    }

    /// Elements per activation block of the format `type` multiplies with (1 for float).
    private func activationBlockElements(_ type: TensorType) -> Int {
        func elements<Format: WeightFormat>(_ format: Format.Type) -> Int { Format.Activation.blockElements }
        return elements(WeightFormats.format(type))
    }

    /// The most activation quantization can move each element: half a step `d = amax / 127`,
    /// plus float16 rounding of `d` (relative 2⁻¹¹) for 32-element blocks; nothing for floats.
    private func quantizationError(_ x: [Float], blockElements: Int) -> [Double] {
        guard blockElements > 1 else { return [Double](repeating: 0, count: x.count) }
        return x.indices.map { i in
            let start = i / blockElements * blockElements
            let amax = Double(x[start..<start + blockElements].map(abs).max()!)
            let halfRounding = blockElements == 32 ? amax / 2048 : amax * 1e-6
            return amax / 254 + halfRounding
        }
    }
}
