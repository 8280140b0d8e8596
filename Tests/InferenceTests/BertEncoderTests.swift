import Foundation
import Testing
@testable import Inference

/// The encoder's intermediate values against PyTorch's, layer by layer (layer_outputs.json):
/// ≤ 1e-4 on every listed value, per-token L2 norms within relative 1e-5, attention
/// probabilities within 1e-5 — the README's tolerances.
@Suite struct BertEncoderTests {
    private static func loadEncoder() throws -> BertEncoder {
        let folder = try Fixtures.miniLMFolderPath
        let configuration = try BertConfiguration(contentsOf: folder + "/config.json")
        let weights = try BertWeights(file: SafeTensorsFile(path: folder + "/model.safetensors"), configuration: configuration)
        return BertEncoder(configuration: configuration, weights: weights, pool: ThreadPool(threads: 2))
    }

    /// Checks `rows` (`[token][stride]`, first 8 of each) against `expected[token][0..<8]`.
    private static func expectFirst8(
        _ rows: UnsafePointer<Float>, stride: Int, offset: Int = 0, _ expected: Any?, _ label: String
    ) {
        guard let expected = expected as? [[Double]] else { Issue.record("\(label) missing"); return }
        for (token, values) in expected.enumerated() {
            for (index, value) in values.enumerated() {
                let found = Double(rows[token * stride + offset + index])
                #expect(abs(found - value) <= 1e-4, "\(label)[\(token)][\(index)]: \(found) vs \(value)")
            }
        }
    }

    private static func expectNorms(_ rows: UnsafePointer<Float>, width: Int, _ expected: Any?, _ label: String) {
        guard let expected = expected as? [Double] else { Issue.record("\(label) missing"); return }
        for (token, norm) in expected.enumerated() {
            let found = (0..<width).reduce(0.0) { $0 + Double(rows[token * width + $1]) * Double(rows[token * width + $1]) }.squareRoot()
            #expect(abs(found - norm) <= norm * 1e-5, "\(label)[\(token)]: \(found) vs \(norm)")
        }
    }

    @Test func configurationIsRead() throws {
        let configuration = try BertConfiguration(contentsOf: try Fixtures.miniLMFolderPath + "/config.json")
        #expect(configuration.hiddenSize == 384 && configuration.layerCount == 6 && configuration.headCount == 12)
        #expect(configuration.intermediateSize == 1536 && configuration.maxPositions == 512)
        #expect(configuration.vocabularySize == 30522 && configuration.layerNormEpsilon == 1e-12)
        // MiniLM-L6 at 128 tokens: 6 layers × (128 × 1,769,472 in the matrices + 12,582,912 in
        // attention) — about 10.6 M a token, 1.43 G a passage (the published ~11 M a token).
        #expect(configuration.multiplyAdds(tokens: 128) == 1_434_451_968)
        #expect(configuration.multiplyAdds(tokens: 1) == 6 * (1_769_472 + 768))
    }

    @Test func everyLayerMatchesReference() throws {
        let encoder = try Self.loadEncoder()
        let hidden = 384
        let reference = try Fixtures.json(Fixtures.miniLMReference.appendingPathComponent("layer_outputs.json"))
        let cases = try #require(reference["cases"] as? [[String: Any]])
        #expect(cases.count == 2)
        for item in cases {
            let name = item["name"] as! String
            let ids = (item["input_ids"] as! [Int]).map(TokenID.init)
            let batch = BertBatch([ids])
            let workspace = BertWorkspace(configuration: encoder.configuration, capacity: ids.count, maxLength: ids.count, threads: 2)

            encoder.embed(batch, into: workspace.hidden)
            Self.expectFirst8(workspace.hidden, stride: hidden, item["embedding_output_first8"], "\(name) embedding")
            Self.expectNorms(workspace.hidden, width: hidden, item["embedding_output_l2norm_per_token"], "\(name) embedding norm")

            let layerOutputs = item["layer_outputs_first8"] as! [String: Any]
            let layerNorms = item["layer_outputs_l2norm_per_token"] as! [String: Any]
            for layer in 0..<6 {
                encoder.runLayer(layer, batch, workspace)
                if layer == 0 { try Self.checkLayerZeroInternals(item, workspace, name) }
                Self.expectFirst8(workspace.hidden, stride: hidden, layerOutputs["\(layer)"], "\(name) layer \(layer)")
                Self.expectNorms(workspace.hidden, width: hidden, layerNorms["\(layer)"], "\(name) layer \(layer) norm")
            }

            var mean = [Double](repeating: 0, count: hidden)
            for token in 0..<ids.count {
                for index in 0..<hidden { mean[index] += Double(workspace.hidden[token * hidden + index]) / Double(ids.count) }
            }
            let expectedMean = item["mean_pooled_before_normalize_first16"] as! [Double]
            for (index, value) in expectedMean.enumerated() {
                #expect(abs(mean[index] - value) <= 1e-4, "\(name) mean[\(index)]")
            }
            let norm = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let expectedNorm = item["mean_pooled_before_normalize_l2norm"] as! Double
            #expect(abs(norm - expectedNorm) <= expectedNorm * 1e-5, "\(name) mean norm")
        }
    }

    /// Query/key/value projections, head 0's attention probabilities (recomputed from our
    /// queries and keys), the attention block and the GELU output of layer 0.
    private static func checkLayerZeroInternals(_ item: [String: Any], _ workspace: BertWorkspace, _ name: String) throws {
        let hidden = 384
        let qkv = UnsafePointer(workspace.queryKeyValue)
        expectFirst8(qkv, stride: 3 * hidden, item["layer0_query_linear_first8"], "\(name) query")
        expectFirst8(qkv, stride: 3 * hidden, offset: hidden, item["layer0_key_linear_first8"], "\(name) key")
        expectFirst8(qkv, stride: 3 * hidden, offset: 2 * hidden, item["layer0_value_linear_first8"], "\(name) value")
        expectFirst8(workspace.attended, stride: hidden, item["layer0_attention_output_after_layernorm_first8"], "\(name) attention")
        expectFirst8(workspace.intermediate, stride: 1536, item["layer0_intermediate_after_gelu_first8"], "\(name) gelu")

        let probabilities = try #require(item["layer0_head0_attention_probs"] as? [[Double]])
        let count = probabilities.count
        for query in 0..<count {
            let scores = (0..<count).map { key in
                (0..<32).reduce(0.0) { $0 + Double(qkv[query * 3 * hidden + $1]) * Double(qkv[key * 3 * hidden + hidden + $1]) }
                    / 32.0.squareRoot()
            }
            let largest = scores.max()!
            let weights = scores.map { exp($0 - largest) }
            let total = weights.reduce(0, +)
            for key in 0..<count {
                #expect(abs(weights[key] / total - probabilities[query][key]) <= 1e-5, "\(name) probs[\(query)][\(key)]")
            }
        }
    }
}
