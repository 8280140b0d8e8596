import CKernels
import Foundation
import Testing
@testable import Inference

/// Every ISA level of the C kernels this CPU runs (each forced, whatever is active) against
/// the scalar level, the reference: matrix products through `MatMul` (row-major and
/// interleaved), and attention. The teacher-forced reference tests (GreedyReferenceTests,
/// LogitsReferenceTests) run the whole model at every level too; Tests/CKernels/kernel_check.c
/// covers the same kernels in C, also for aarch64 under qemu-user.
@Suite struct KernelISATests {
    static let levels = KernelISA.supported
    static let vectorLevels = KernelISA.supported.filter { $0 != .scalar }

    @Test(arguments: vectorLevels, [TensorType.q4_1, .q8_0])
    func productsAgreeWithScalarLevel(kernels: KernelISA, type: TensorType) throws {
        let (rows, columns, tokens) = (64, 576, 11)  // 11 tokens: full and ragged tiles
        var random = SeededGenerator(seed: 5 + UInt64(type.rawValue))
        let weights = RandomWeights.make(type, rows: rows, columns: columns, using: &random)
        let x = RandomWeights.activations(count: tokens * columns, using: &random)
        let reference = try product(type, weights, rows: rows, columns: columns, x, tokens: tokens, kernels: .scalar,
                                    interleaving: false)
        let scale = reference.map(abs).max()!
        for interleaving in kernels.hasInterleavedKernels ? [false, true] : [false] {
            let actual = try product(type, weights, rows: rows, columns: columns, x, tokens: tokens, kernels: kernels,
                                     interleaving: interleaving)
            let worst = zip(actual, reference).map { abs($0 - $1) }.max()!
            #expect(worst <= 1e-5 * scale, "\(kernels) \(type) interleaving \(interleaving): off by \(worst)")
        }
    }

    /// AVX2 and AVX-VNNI compute each lane of the AVX-512 interleaved kernels with the same
    /// integers and float operations, so the levels agree to the bit (a model's logits do not
    /// depend on the machine among them). An AVX2-only CPU runs one such level: nothing to compare
    /// there (kernel_check.c still checks it against the scalar definitions).
    static let interleavedLevels = KernelISA.supported.filter(\.hasInterleavedKernels)

    @Test(.enabled(if: interleavedLevels.count >= 2, "this CPU runs one interleaved level"),
          arguments: [TensorType.q4_1, .q8_0])
    func interleavedLevelsAgreeToTheBit(type: TensorType) throws {
        let levels = Self.interleavedLevels
        let (rows, columns, tokens) = (32, 256, 13)
        var random = SeededGenerator(seed: 31 + UInt64(type.rawValue))
        let weights = RandomWeights.make(type, rows: rows, columns: columns, using: &random)
        let x = RandomWeights.activations(count: tokens * columns, using: &random)
        let results = try levels.map {
            try product(type, weights, rows: rows, columns: columns, x, tokens: tokens, kernels: $0, interleaving: true)
        }
        for (level, result) in zip(levels, results).dropFirst() {
            #expect(result == results[0], "\(level) vs \(levels[0])")
        }
    }

    @Test(arguments: levels, [1, 9, 300])
    func attentionAgreesWithScalarLevel(kernels: KernelISA, count: Int) throws {
        let (headDim, heads) = (64, 3)
        let stride = headDim * 2
        var random = SeededGenerator(seed: UInt64(count))
        let queries = (0..<(heads * headDim)).map { _ in Float.random(in: -2...2, using: &random) }
        let keys = (0..<(count * stride)).map { _ in halfFromFloat(Float.random(in: -2...2, using: &random)) }
        let values = (0..<(count * stride)).map { _ in halfFromFloat(Float.random(in: -2...2, using: &random)) }
        let scale: Float = 0.125
        func attend(_ set: KernelSet, grouped: Bool) -> [Float] {
            var out = [Float](repeating: .nan, count: heads * headDim)
            var scores = [Float](repeating: 0, count: heads * count)
            if grouped {
                set.attendGroup64(queries, heads: Int32(heads), keys, values, stride: stride, count: Int32(count),
                                  scale: scale, scores: &scores, scoresStride: count, into: &out)
            } else {
                for h in 0..<heads {
                    queries.withUnsafeBufferPointer { q in
                        out.withUnsafeMutableBufferPointer { o in
                            set.attendHead(q.baseAddress! + h * headDim, keys, values, stride: stride, count: Int32(count),
                                           headDim: Int32(headDim), scale: scale, scores: &scores,
                                           into: o.baseAddress! + h * headDim)
                        }
                    }
                }
            }
            return out
        }
        let set = try #require(KernelSet(kernels)), scalar = try #require(KernelSet(.scalar))
        let reference = attend(scalar, grouped: false)
        let single = attend(set, grouped: false), grouped = attend(set, grouped: true)
        #expect(single == grouped, "\(kernels): a GQA group computes each head as alone")
        // Only the exp and the order of float sums differ; probabilities are float16 everywhere.
        let worst = zip(single, reference).map { abs($0 - $1) }.max()!
        #expect(worst < 2e-3, "\(kernels): off by \(worst)")
    }

    @Test func namesRoundTripAndUnsupportedLevelsAreRefused() throws {
        for isa in KernelISA.allCases { #expect(KernelISA(name: isa.name) == isa) }
        #expect(KernelISA(name: "avx1024") == nil)
        #expect(KernelISA.supported.first == .scalar)
        #expect(KernelISA.supported.contains(KernelISA.best))
        #expect(KernelISA.best.isSupported && KernelISA.active.isSupported)
        let foreign: KernelISA = {
            #if arch(x86_64)
            return .neonDotProduct
            #else
            return .avx2
            #endif
        }()
        #expect(!foreign.isSupported)
        #expect(!KernelISA.select(foreign))
        #expect(throws: InferenceError.unsupportedKernels(foreign)) {
            try LanguageModel(path: Fixtures.smolModelPath, threads: 1, kernels: foreign)
        }
    }

    private func product(
        _ type: TensorType, _ weights: [UInt8], rows: Int, columns: Int, _ x: [Float], tokens: Int,
        kernels: KernelISA, interleaving: Bool
    ) throws -> [Float] {
        let set = try #require(KernelSet(kernels))
        var output = [Float](repeating: .nan, count: tokens * rows)
        var scratch = [UInt8](repeating: 0, count: MatMul.quantizedBytes(columns: columns, tokens: tokens))
        weights.withUnsafeBytes { data in
            let weight = LinearWeight(
                Tensor(name: "w", type: type, shape: [columns, rows], data: data.baseAddress!, byteCount: data.count),
                interleaving: interleaving)
            let matMul = MatMul(pool: ThreadPool(threads: 2), kernels: set)
            output.withUnsafeMutableBufferPointer { out in
                scratch.withUnsafeMutableBytes {
                    matMul.multiply(weight, x, tokens: tokens, into: out.baseAddress!, scratch: $0.baseAddress!)
                }
            }
        }
        return output
    }
}
