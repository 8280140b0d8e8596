import Foundation
import Testing
@testable import Inference

/// The safetensors reader against the header Python's `safetensors` reads from the same file.
@Suite struct SafeTensorsFileTests {
    private var modelPath: String { get throws { try Fixtures.miniLMFolderPath + "/model.safetensors" } }

    @Test func headerMatchesReference() throws {
        let file = try SafeTensorsFile(path: modelPath)
        let reference = try Fixtures.json(Fixtures.miniLMReference.appendingPathComponent("safetensors_tensors.json"))
        #expect(file.dataOffset == 8 + (reference["header_bytes"] as! Int))
        #expect(file.metadata == reference["metadata"] as? [String: String])
        let tensors = try #require(reference["tensors"] as? [[String: Any]])
        #expect(file.entries.count == tensors.count)
        #expect(tensors.count == 104)
        for expected in tensors {
            let name = expected["name"] as! String
            let entry = try file.entry(name)
            #expect(entry.dtype.rawValue == expected["dtype"] as? String, "\(name)")
            #expect(entry.shape == expected["shape"] as? [Int], "\(name)")
            let offsets = expected["data_offsets"] as! [Int]
            #expect(entry.dataOffsets == offsets[0]..<offsets[1], "\(name)")
        }
    }

    @Test func floatTensorIsAViewInGGMLOrder() throws {
        let file = try SafeTensorsFile(path: modelPath)
        let words = try file.tensor("embeddings.word_embeddings.weight", shape: [30522, 384])
        #expect(words.type == .f32)
        #expect(words.shape == [384, 30522])
        #expect(words.rows == 30522 && words.columns == 384)
        // "hello" is id 7592; the reference lists its first eight embedding values.
        let layers = try Fixtures.json(Fixtures.miniLMReference.appendingPathComponent("layer_outputs.json"))
        let hello = try #require((layers["cases"] as? [[String: Any]])?.first)
        #expect((hello["input_ids"] as! [Int])[1] == 7592)
        let expected = (hello["word_embeddings_first8"] as! [[Double]])[1]
        let row = words.row(7592).assumingMemoryBound(to: Float.self)
        for (index, value) in expected.enumerated() { #expect(row[index] == Float(value)) }
    }

    @Test func tensorRequestsAreChecked() throws {
        let file = try SafeTensorsFile(path: modelPath)
        #expect(throws: SafeTensorsError.unsupportedDType(tensor: "embeddings.position_ids", dtype: .i64)) {
            try file.tensor("embeddings.position_ids")
        }
        #expect(throws: ModelFileError.missingTensor(name: "pooler.nothing")) { try file.tensor("pooler.nothing") }
        #expect(throws: ModelFileError.unexpectedShape(tensor: "pooler.dense.bias", expected: [383], found: [384])) {
            try file.tensor("pooler.dense.bias", shape: [383])
        }
    }
}
