import Foundation
import Testing
@testable import Inference

/// all-MiniLM-L6-v2 embeddings against sentence-transformers' float32 output: the float32
/// precision to the README's float32 tolerances, int16 (the standard) to cosine 0.999 on every
/// kernel level.
@Suite struct SentenceEmbedderTests {
    static let reference = Fixtures.miniLMReference.appendingPathComponent("embeddings.json")

    private struct Case {
        let name: String
        let text: String
        let embedding: [Float]
    }

    private static func cases() throws -> [Case] {
        let json = try Fixtures.json(reference)
        let cases = try #require(json["cases"] as? [[String: Any]])
        return cases.map { item in
            Case(
                name: item["name"] as! String, text: item["text"] as! String,
                embedding: (item["embedding"] as! [Double]).map(Float.init))
        }
    }

    private static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, normA = 0.0, normB = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            normA += Double(x) * Double(x)
            normB += Double(y) * Double(y)
        }
        return dot / (normA.squareRoot() * normB.squareRoot())
    }

    private static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
    }

    @Test func everyEmbeddingMatchesReference() throws {
        let embedder = try SentenceEmbedder(folder: Fixtures.miniLMFolderPath, threads: 2, precision: .float32)
        #expect(embedder.dimensions == 384)
        #expect(embedder.maxTokens == 256)
        let cases = try Self.cases()
        #expect(cases.count == 23)
        let vectors = try embedder.embed(cases.map(\.text))
        #expect(vectors.count == cases.count)
        for (item, vector) in zip(cases, vectors) {
            #expect(vector.count == 384, "\(item.name)")
            let cosine = Self.cosine(vector, item.embedding)
            let difference = Self.maxDifference(vector, item.embedding)
            // The README's float32 checks: cosine ≥ 0.99999 and ≤ 1e-4 per dimension, which
            // separate exact float32 from tanh-GELU, a wrong LayerNorm eps or float16.
            #expect(cosine >= 0.99999, "\(item.name): cosine \(cosine)")
            #expect(difference <= 1e-4, "\(item.name): max difference \(difference)")
            let norm = vector.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 1) <= 1e-6, "\(item.name): norm \(norm)")
        }
    }

    @Test(arguments: EmbeddingPrecision.allCases)
    func batchedEqualsOneAtATime(precision: EmbeddingPrecision) throws {
        let embedder = try SentenceEmbedder(folder: Fixtures.miniLMFolderPath, threads: 2, precision: precision)
        let texts = try Self.cases().map(\.text)
        let batched = try embedder.embed(texts)
        for (text, vector) in zip(texts, batched) {
            let single = try #require(try embedder.embed([text]).first)
            // README: batched vs single differ by up to 2.5e-7 in PyTorch.
            #expect(Self.maxDifference(single, vector) <= 2.5e-7, "\(text.prefix(40))")
        }
    }

    @Test(arguments: EmbeddingPrecision.allCases)
    func threadCountDoesNotChangeResults(precision: EmbeddingPrecision) throws {
        let one = try SentenceEmbedder(folder: Fixtures.miniLMFolderPath, threads: 1, precision: precision)
        let two = try SentenceEmbedder(folder: Fixtures.miniLMFolderPath, threads: 2, precision: precision)
        let texts = try Self.cases().map(\.text)
        let fromOne = try one.embed(texts)
        let fromTwo = try two.embed(texts)
        for (a, b) in zip(fromOne, fromTwo) { #expect(a == b) }
    }

    @Test func cosineMatrixMatchesReference() throws {
        let embedder = try SentenceEmbedder(folder: Fixtures.miniLMFolderPath, threads: 2, precision: .float32)
        let json = try Fixtures.json(Self.reference)
        let matrix = try #require(json["cosine_matrix"] as? [[Double]])
        let vectors = try embedder.embed(try Self.cases().map(\.text))
        for (i, a) in vectors.enumerated() {
            for (j, b) in vectors.enumerated() {
                let dot = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                #expect(abs(dot - matrix[i][j]) <= 1e-5, "[\(i)][\(j)]")
            }
        }
    }

    /// The int16 linear layers (`Int16GEMM`) keep every reference sentence within cosine 0.999 of
    /// sentence-transformers' float32 vector and of this engine's float32 path, on every kernel
    /// level this CPU runs; the levels agree to the bit (integer sums).
    @Test func int16StaysWithinCosine0_999OfFloat32OnEveryKernelLevel() throws {
        let cases = try Self.cases()
        let float32 = try SentenceEmbedder(folder: Fixtures.miniLMFolderPath, threads: 2, precision: .float32)
            .embed(cases.map(\.text))
        var firstLevel: [[Float]]?
        for isa in KernelISA.supported {
            let embedder = try SentenceEmbedder(folder: Fixtures.miniLMFolderPath, threads: 2, precision: .int16, kernels: isa)
            #expect(embedder.precision == .int16)
            let vectors = try embedder.embed(cases.map(\.text))
            var worst = 1.0
            for (index, item) in cases.enumerated() {
                let toReference = Self.cosine(vectors[index], item.embedding)
                let toFloat32 = Self.cosine(vectors[index], float32[index])
                worst = min(worst, toReference, toFloat32)
                #expect(toReference >= 0.999, "\(isa) \(item.name): cosine \(toReference) to the reference")
                #expect(toFloat32 >= 0.999, "\(isa) \(item.name): cosine \(toFloat32) to float32")
            }
            #expect(worst < 0.99999, "\(isa): no rounding shows, so this is not the int16 path")
            print("int16 embeddings, \(isa): worst cosine \(worst)")
            if let firstLevel { #expect(vectors == firstLevel, "\(isa) differs from \(KernelISA.supported[0])") }
            firstLevel = firstLevel ?? vectors
        }
    }

    @Test func countTokensAndEmptyInput() throws {
        let embedder = try SentenceEmbedder(folder: Fixtures.miniLMFolderPath, threads: 1)
        #expect(embedder.countTokens("") == 2)
        #expect(embedder.countTokens("Hello, world!") == 6)
        #expect(try embedder.embed([]).isEmpty)
    }
}
