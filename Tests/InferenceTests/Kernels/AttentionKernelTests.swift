import CKernels
import Foundation
import Testing
@testable import Inference

/// The C attention kernel against a plain Swift definition of softmax(q·kᵀ·scale)·V.
@Suite struct AttentionKernelTests {
    @Test(arguments: [(1, 64), (7, 64), (300, 64), (33, 256)])
    func matchesPlainDefinition(count: Int, headDim: Int) {
        var random = SeededGenerator(seed: UInt64(count * 1000 + headDim))
        let stride = headDim * 3  // keys of one head interleaved with two others, as in the cache
        let query = (0..<headDim).map { _ in Float.random(in: -2...2, using: &random) }
        let keys = (0..<(count * stride)).map { _ in halfFromFloat(Float.random(in: -2...2, using: &random)) }
        let values = (0..<(count * stride)).map { _ in halfFromFloat(Float.random(in: -2...2, using: &random)) }
        let scale = 1 / Float(headDim).squareRoot()

        var scores = [Float](repeating: 0, count: count)
        var expected = [Double](repeating: 0, count: headDim)
        for j in 0..<count {
            var dot = 0.0
            for i in 0..<headDim { dot += Double(query[i]) * Double(floatFromHalf(keys[j * stride + i])) }
            scores[j] = Float(dot) * scale
        }
        let maximum = scores.max()!
        let weights = scores.map { exp(Double($0 - maximum)) }
        let total = weights.reduce(0, +)
        for j in 0..<count {
            for i in 0..<headDim { expected[i] += weights[j] / total * Double(floatFromHalf(values[j * stride + i])) }
        }

        var output = [Float](repeating: .nan, count: headDim)
        var scratch = [Float](repeating: 0, count: count)
        atrium_attend_head(query, keys, values, stride, Int32(count), Int32(headDim), scale, &scratch, &output)
        for i in 0..<headDim {
            // The kernel rounds the query and probabilities to float16, as llama.cpp does.
            #expect(abs(Double(output[i]) - expected[i]) < 5e-3, "dimension \(i)")
        }
    }
}
