import Foundation
import Testing
@testable import Inference

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
