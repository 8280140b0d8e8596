import Foundation
import Testing
@testable import Inference

/// Packed-batch attention against a plain double-precision softmax, sequence by sequence, on
/// every kernel level this CPU runs — and every level's bits equal to the scalar reference's,
/// so an embedding does not depend on the machine that made it.
@Suite struct BertAttentionTests {
    /// Lengths with and without a ragged last vector of keys and a ragged last block of six
    /// queries; head sizes of one and two 16-wide panels.
    static let shapes: [(headSize: Int, lengths: [Int])] = [(32, [1, 5, 16, 17, 40, 129]), (16, [3, 33]), (64, [7, 48])]

    @Test(arguments: KernelISA.supported)
    func attentionMatchesNaiveSoftmaxAndTheScalarBits(kernels: KernelISA) throws {
        for shape in Self.shapes {
            let headCount = 3, headSize = shape.headSize, hidden = headCount * shape.headSize
            var random = SeededRandom(state: 7)
            var batch = BertBatch()
            for length in shape.lengths { batch.append([TokenID](repeating: 0, count: length)) }
            let queryKeyValue = random.values(batch.tokenCount * 3 * hidden).map { $0 * 3 }
            let context = try Self.attend(queryKeyValue, batch, headCount: headCount, headSize: headSize, kernels: kernels)
            let scalar = try Self.attend(queryKeyValue, batch, headCount: headCount, headSize: headSize, kernels: .scalar)
            #expect(context.map(\.bitPattern) == scalar.map(\.bitPattern), "\(kernels) differs from scalar at head size \(headSize)")
            var worst = 0.0
            for sequence in batch.sequences {
                for head in 0..<headCount {
                    for query in sequence {
                        func value(_ token: Int, _ part: Int, _ dimension: Int) -> Double {
                            Double(queryKeyValue[token * 3 * hidden + part * hidden + head * headSize + dimension])
                        }
                        let scores = sequence.map { key in
                            (0..<headSize).reduce(0.0) { $0 + value(query, 0, $1) * value(key, 1, $1) }
                                / Double(headSize).squareRoot()
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
            #expect(worst <= 1e-5, "attention off by \(worst) at head size \(headSize) on \(kernels)")
        }
    }

    private static func attend(
        _ queryKeyValue: [Float], _ batch: BertBatch, headCount: Int, headSize: Int, kernels: KernelISA
    ) throws -> [Float] {
        let set = try #require(KernelSet(kernels))
        let attention = BertAttention(headCount: headCount, headSize: headSize, pool: ThreadPool(threads: 2), kernels: set)
        let longest = batch.sequences.map(\.count).max()!
        let perWorker = BertAttention.scratchPerWorker(length: longest, headSize: headSize)
        var scratch = [Float](repeating: .nan, count: perWorker * 2)
        var context = [Float](repeating: .nan, count: batch.tokenCount * headCount * headSize)
        queryKeyValue.withUnsafeBufferPointer { qkv in
            scratch.withUnsafeMutableBufferPointer { scratchBuffer in
                context.withUnsafeMutableBufferPointer { contextBuffer in
                    attention.run(
                        queryKeyValue: qkv.baseAddress!, sequences: batch.sequences, into: contextBuffer.baseAddress!,
                        scratch: scratchBuffer.baseAddress!, scratchPerWorker: perWorker)
                }
            }
        }
        return context
    }
}
