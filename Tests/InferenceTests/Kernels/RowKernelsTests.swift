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
}
