import Foundation
import Testing
@testable import Inference

/// The row kernels of the forward pass.
@Suite struct RowKernelsTests {
    /// `rmsNorm4` (four rows' sums interleaved, for speed) must give `rmsNorm`'s bits, in place too:
    /// the reference tests were calibrated on the one-row order.
    @Test func fourRowNormGivesTheOneRowNormsBits() {
        var random = SplitMix64(seed: 11)
        let width = 576, stride = 600
        let weight = (0..<width).map { _ in Float(random.next() % 2000) / 1000 - 1 }
        let rows = (0..<(4 * stride)).map { _ in Float(Int(random.next() % 20_001) - 10_000) / 997 }
        var single = [Float](repeating: 0, count: 4 * stride)
        var four = [Float](repeating: .nan, count: 4 * stride)
        var inPlace = rows
        weight.withUnsafeBufferPointer { w in
            rows.withUnsafeBufferPointer { x in
                single.withUnsafeMutableBufferPointer { out in
                    for row in 0..<4 {
                        RowKernels.rmsNorm(x.baseAddress! + row * stride, weight: w.baseAddress!, count: width,
                                           epsilon: 1e-5, into: out.baseAddress! + row * stride)
                    }
                }
                four.withUnsafeMutableBufferPointer { out in
                    RowKernels.rmsNorm4(x.baseAddress!, stride: stride, weight: w.baseAddress!, count: width,
                                        epsilon: 1e-5, into: out.baseAddress!)
                }
            }
            inPlace.withUnsafeMutableBufferPointer { x in
                RowKernels.rmsNorm4(x.baseAddress!, stride: stride, weight: w.baseAddress!, count: width,
                                    epsilon: 1e-5, into: x.baseAddress!)
            }
        }
        for row in 0..<4 {
            let range = (row * stride)..<(row * stride + width)
            #expect(Array(four[range]) == Array(single[range]), "row \(row)")
            #expect(Array(inPlace[range]) == Array(single[range]), "row \(row) in place")
            // Past `width` nothing is written.
            #expect(four[row * stride + width].isNaN)
        }
    }

    /// Gated activations, sixteen lanes at a time: as accurate as rounding the sigmoid's
    /// argument z to float allows (a few ulps when |z| is small; below 1e-30, where the
    /// exponential's clamp shows, within 1e-30), and the same bits for
    /// an element whatever the count around it (a batch's rows and the workers' shares cut it
    /// anywhere, and batched must equal alone).
    @Test(arguments: [ModelArchitecture.Activation.silu, .geluTanh])
    func gatedActivationIsAccurateAndIndependentOfWhereTheCountEnds(_ activation: ModelArchitecture.Activation) {
        var random = SplitMix64(seed: 5)
        let count = 1_000
        var gate = (0..<count).map { _ in Float(Int(random.next() % 40_001) - 20_000) / 1_000 }
        gate += [0, -0.0, 88, -88, 100, -100, 1e-30, -1e-30]
        let up = gate.indices.map { _ in Float(Int(random.next() % 2_001) - 1_000) / 500 }
        func activated(_ range: Range<Int>) -> [Float] {
            var part = Array(gate[range])
            part.withUnsafeMutableBufferPointer { g in
                up.withUnsafeBufferPointer { u in
                    RowKernels.gatedActivation(g.baseAddress!, up: u.baseAddress! + range.lowerBound, count: range.count,
                                               activation: activation)
                }
            }
            return part
        }
        let whole = activated(0..<gate.count)
        for (index, value) in whole.enumerated() {
            let g = Double(gate[index]), u = Double(up[index])
            // ½(1 + tanh y) as σ(2y): the tanh form cancels to nothing in double too once y < −18.
            let z = switch activation {
            case .silu: g
            case .geluTanh: 2 * (2 / Double.pi).squareRoot() * (g + 0.044715 * g * g * g)
            }
            let exact = g / (1 + Foundation.exp(-z)) * u
            // Rounding z in float moves e^−z by about |z| float epsilons.
            let tolerance = 2e-7 * (2 + abs(z)) * abs(exact) + 1e-30
            #expect(abs(Double(value) - exact) <= tolerance, "\(activation) \(g) · \(u): \(value) vs \(exact)")
        }
        for cut in [1, 7, 15, 16, 17, 333, 999] {
            #expect(activated(0..<cut) + activated(cut..<gate.count) == whole, "cut at \(cut)")
        }
    }
}
