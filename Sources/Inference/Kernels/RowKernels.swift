import Foundation

/// Small row kernels of the decoder forward pass. Each works on one row in place or into
/// an output row; callers parallelize over rows.
enum RowKernels {
    /// `output = x / rms(x) · weight`, accumulating the mean square in double as ggml does.
    @inline(__always)
    static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, count: Int, epsilon: Float,
                        into output: UnsafeMutablePointer<Float>) {
        var sum: Double = 0
        for i in 0..<count { sum += Double(x[i] * x[i]) }
        let scale = 1 / (Float(sum / Double(count)) + epsilon).squareRoot()
        for i in 0..<count { output[i] = x[i] * scale * weight[i] }
    }

    /// `rmsNorm` of four rows `stride` apart, to the same bits: each row's mean square is summed
    /// in the same order, but four independent chains of double additions keep the adder busy
    /// where one chain waits about four cycles on every sum (a decoding step norms 480 rows of
    /// SmolLM2's 576 on the calling thread while the workers wait).
    @inline(__always)
    static func rmsNorm4(_ x: UnsafePointer<Float>, stride: Int, weight: UnsafePointer<Float>, count: Int,
                         epsilon: Float, into output: UnsafeMutablePointer<Float>) {
        var s0: Double = 0, s1: Double = 0, s2: Double = 0, s3: Double = 0
        let x1 = x + stride, x2 = x + 2 * stride, x3 = x + 3 * stride
        for i in 0..<count {
            s0 += Double(x[i] * x[i])
            s1 += Double(x1[i] * x1[i])
            s2 += Double(x2[i] * x2[i])
            s3 += Double(x3[i] * x3[i])
        }
        for row in 0..<4 {
            let sum = row == 0 ? s0 : row == 1 ? s1 : row == 2 ? s2 : s3
            let scale = 1 / (Float(sum / Double(count)) + epsilon).squareRoot()
            let input = x + row * stride, out = output + row * stride
            for i in 0..<count { out[i] = input[i] * scale * weight[i] }
        }
    }

    /// `x += y`.
    @inline(__always)
    static func add(_ y: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] += y[i] }
    }

    /// `gate = act(gate) · up`, the gated feed-forward's non-linearity. Both activations are
    /// `g · σ(z) · up` for an argument `z` of `g` — SiLU's `z = g`; GELU's tanh form, since
    /// `(1 + tanh y) / 2 = σ(2y)`, `z = 2c(g + 0.044715 g³)` — computed sixteen lanes at a time
    /// with `VectorMath.exp` (libm's scalar expf here was 3 % of an eight-sequence decoding
    /// step).
    @inline(__always)
    static func gatedActivation(_ gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int,
                                activation: ModelArchitecture.Activation) {
        switch activation {
        case .silu:
            gatedBySigmoid(gate, up: up, count: count) { $0 }
        case .geluTanh:
            let c: Float = 2 * 0.797_884_56  // 2·√(2/π)
            gatedBySigmoid(gate, up: up, count: count) { g in c * (g + 0.044715 * g * g * g) }
        }
    }

    /// `gate = g / (1 + e^(−z(g))) · up`. A short tail is padded to a whole vector, so every
    /// element gets the same arithmetic wherever a batch or a worker's share puts it.
    @inline(__always)
    private static func gatedBySigmoid(_ gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int,
                                       argument: (SIMD16<Float>) -> SIMD16<Float>) {
        let gates = UnsafeMutableRawPointer(gate), ups = UnsafeRawPointer(up)
        var i = 0
        while i < count {
            let lanes = min(16, count - i)
            var g = SIMD16<Float>(), u = SIMD16<Float>()
            if lanes == 16 {
                g = gates.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                u = ups.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
            } else {
                for lane in 0..<lanes { g[lane] = gate[i + lane]; u[lane] = up[i + lane] }
            }
            let result = g / (1 + VectorMath.exp(-argument(g))) * u
            if lanes == 16 {
                gates.storeBytes(of: result, toByteOffset: 4 * i, as: SIMD16<Float>.self)
            } else {
                for lane in 0..<lanes { gate[i + lane] = result[lane] }
            }
            i += 16
        }
    }

    /// Numerically stable softmax of `count` values in place.
    @inline(__always)
    static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var maximum = -Float.infinity
        for i in 0..<count { maximum = max(maximum, x[i]) }
        var sum: Float = 0
        for i in 0..<count {
            let e = exp(x[i] - maximum)
            x[i] = e
            sum += e
        }
        let inverse = 1 / sum
        for i in 0..<count { x[i] *= inverse }
    }
}
