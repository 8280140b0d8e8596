import Foundation
import Testing
@testable import Inference

/// Packed-batch attention against a plain double-precision softmax, sequence by sequence.
@Suite struct BertAttentionTests {
    @Test func attentionMatchesNaiveSoftmax() throws {
        let headCount = 3, headSize = 32, hidden = 96
        let lengths = [1, 5, 17, 40]
        var random = SeededRandom(state: 7)
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
