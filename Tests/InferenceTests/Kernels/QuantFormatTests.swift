import Foundation
import Testing
@testable import Inference

/// Block layouts, fast kernels against their scalar definitions, and dequantization against
/// llama.cpp's own Python implementation (`gguf.quants`, see Fixtures/README.md).
@Suite struct QuantFormatTests {
    @Test func blockSizesMatchGGML() {
        #expect(MemoryLayout<BlockQ4_0>.size == 18)
        #expect(MemoryLayout<BlockQ4_1>.size == 20)
        #expect(MemoryLayout<BlockQ5_0>.size == 22)
        #expect(MemoryLayout<BlockQ5_1>.size == 24)
        #expect(MemoryLayout<BlockQ8_0>.size == 34)
        #expect(MemoryLayout<BlockQ8_1>.size == 36)
        #expect(MemoryLayout<BlockQ4_K>.size == 144)
        #expect(MemoryLayout<BlockQ5_K>.size == 176)
        #expect(MemoryLayout<BlockQ6_K>.size == 210)
        #expect(MemoryLayout<BlockQ8_K>.size == 292)
        #expect(TensorType.q4_0.blockBytes == MemoryLayout<BlockQ4_0>.size)
        #expect(TensorType.q5_0.blockBytes == MemoryLayout<BlockQ5_0>.size)
        #expect(TensorType.q5_1.blockBytes == MemoryLayout<BlockQ5_1>.size)
        #expect(TensorType.q4_K.blockBytes == MemoryLayout<BlockQ4_K>.size)
        #expect(TensorType.q5_K.blockBytes == MemoryLayout<BlockQ5_K>.size)
        #expect(TensorType.q6_K.blockBytes == MemoryLayout<BlockQ6_K>.size)
        #expect(TensorType.q8_K.blockBytes == Q8_K.blockBytes)
    }

    /// The kernels read fields at fixed offsets; these are the offsets the structs document.
    @Test func fieldOffsetsMatchKernels() {
        #expect(MemoryLayout<BlockQ5_0>.offset(of: \.qh) == 2)
        #expect(MemoryLayout<BlockQ5_0>.offset(of: \.qs) == 6)
        #expect(MemoryLayout<BlockQ5_1>.offset(of: \.qh) == 4)
        #expect(MemoryLayout<BlockQ5_1>.offset(of: \.qs) == 8)
        #expect(MemoryLayout<BlockQ4_K>.offset(of: \.scales) == 4)
        #expect(MemoryLayout<BlockQ4_K>.offset(of: \.qs) == 16)
        #expect(MemoryLayout<BlockQ5_K>.offset(of: \.qh) == 16)
        #expect(MemoryLayout<BlockQ5_K>.offset(of: \.qs) == 48)
        #expect(MemoryLayout<BlockQ6_K>.offset(of: \.qh) == 128)
        #expect(MemoryLayout<BlockQ6_K>.offset(of: \.scales) == 192)
        #expect(MemoryLayout<BlockQ6_K>.offset(of: \.d) == 208)
        #expect(MemoryLayout<BlockQ8_K>.offset(of: \.qs) == Q8_K.quantsOffset)
        #expect(MemoryLayout<BlockQ8_K>.offset(of: \.bsums) == Q8_K.sumsOffset)
    }

    @Test(arguments: WeightFormats.types)
    func fastDotMatchesReference(type: TensorType) {
        checkFastDot(WeightFormats.format(type))
    }

    private func checkFastDot<Format: WeightFormat>(_ format: Format.Type) {
        let type = Format.type
        // A length that is not a multiple of 8 reaches the float kernels' scalar tail.
        let columns = type.blockElements == 1 ? 771 : 768
        let rows = 8
        var random = SeededGenerator(seed: UInt64(type.rawValue) + 7)
        let weights = RandomWeights.make(type, rows: rows, columns: columns, using: &random)
        let dequantized = WeightFormats.dequantize(type, weights, rows: rows, columns: columns)
        let x = RandomWeights.activations(count: columns, using: &random)
        var activation = [UInt8](repeating: 0, count: Format.Activation.byteCount(elements: columns))
        activation.withUnsafeMutableBytes { Format.Activation.quantize(x, count: columns, into: $0.baseAddress!) }
        // Integer formats sum exact integers per block: only the float combination may differ.
        let tolerance: Float = type.blockElements == 1 ? 1e-4 : 1e-6

        weights.withUnsafeBytes { w in
            activation.withUnsafeBytes { a in
                for row in 0..<rows {
                    let rowPointer = w.baseAddress! + row * type.byteCount(elements: columns)
                    let blocks = columns / type.blockElements
                    let fast = Format.dot(rowPointer, a.baseAddress!, blocks: blocks)
                    let reference = Format.referenceDot(rowPointer, a.baseAddress!, blocks: blocks)
                    var magnitude: Float = 0
                    for i in 0..<columns { magnitude += abs(dequantized[row * columns + i] * x[i]) }
                    #expect(abs(fast - reference) <= tolerance * magnitude, "\(type) row \(row): \(fast) vs \(reference)")
                }
            }
        }
    }

    @Test(arguments: ["F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q4_K", "Q5_K", "Q6_K"])
    func dequantizationMatchesGGUFPackage(name: String) throws {
        let fixture = try Fixtures.json(Fixtures.localFixtures.appendingPathComponent("quants/\(name).json"))
        let type = try #require(TensorType.allCases.first { $0.description == name })
        let rows = try #require(fixture["rows"] as? Int)
        let columns = try #require(fixture["columns"] as? Int)
        let blocks = try #require((fixture["blocks"] as? String).flatMap { Data(base64Encoded: $0) })
        let values = try #require((fixture["values"] as? String).flatMap { Data(base64Encoded: $0) })
        try #require(blocks.count == rows * type.byteCount(elements: columns))
        try #require(values.count == rows * columns * 4)
        let expected = values.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }

        let actual = WeightFormats.dequantize(type, Array(blocks), rows: rows, columns: columns)
        let mismatches = (0..<expected.count).filter { actual[$0] != expected[$0] }
        #expect(mismatches.isEmpty, "\(name): \(mismatches.count) values differ, first at \(mismatches.first ?? -1)")
    }

    @Test func q8KQuantizesAsGGML() {
        var random = SeededGenerator(seed: 42)
        var x = RandomWeights.activations(count: 768, using: &random)
        for i in 256..<512 { x[i] = 0 }
        var block = [UInt8](repeating: 0xAA, count: Q8_K.byteCount(elements: 768))
        block.withUnsafeMutableBytes { Q8_K.quantize(x, count: 768, into: $0.baseAddress!) }

        block.withUnsafeBytes { bytes in
            for b in 0..<3 {
                let start = bytes.baseAddress! + b * Q8_K.blockBytes
                let d = Q8_K.scale(start)
                let q = Q8_K.quants(start)
                let sums = Q8_K.sums(start)
                let values = x[b * 256..<b * 256 + 256]
                if values.allSatisfy({ $0 == 0 }) {
                    #expect(d == 0)
                    #expect((0..<256).allSatisfy { q[$0] == 0 } && (0..<16).allSatisfy { sums[$0] == 0 })
                    continue
                }
                // ggml maps the element of largest magnitude to −127: d has the opposite sign.
                let extreme = values.max { abs($0) < abs($1) }!
                #expect(q[values.firstIndex(of: extreme)! - b * 256] == -127)
                #expect(abs(d + extreme / 127) <= abs(d) * 1e-6)
                for i in 0..<256 {
                    #expect(abs(d * Float(q[i]) - x[b * 256 + i]) <= abs(d) * 0.5001)
                }
                for group in 0..<16 {
                    let sum = (0..<16).reduce(0) { $0 + Int(q[group * 16 + $1]) }
                    #expect(Int(sums[group]) == sum)
                }
            }
        }
    }
}

extension QuantFormatTests {
    /// The fast kernels' branch-free unpacking agrees with ggml's `get_scale_min_k4`.
    @Test func packedScalesUnpackAsGGML() {
        var random = SeededGenerator(seed: 12)
        for _ in 0..<200 {
            let packed = (0..<12).map { _ in UInt8.random(in: 0...255, using: &random) }
            packed.withUnsafeBytes { bytes in
                let (scales, mins) = KQuantScales.unpack(bytes.baseAddress!)
                for j in 0..<8 {
                    let (scale, minimum) = KQuantScales.scaleAndMin(bytes.baseAddress!, j)
                    #expect(Int32(scales >> (8 * j) & 0xFF) == scale)
                    #expect(Int32(mins >> (8 * j) & 0xFF) == minimum)
                }
            }
        }
    }
}
