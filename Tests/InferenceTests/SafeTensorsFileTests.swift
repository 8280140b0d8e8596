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

/// Damaged safetensors files are refused with an error that names the problem, never a crash.
@Suite struct SafeTensorsDamageTests {
    /// A valid little file: two F32 tensors of 2×3 and 4 elements, then an I64 of 2.
    static var validHeader: [String: Any] { [
        "__metadata__": ["format": "pt"],
        "a": ["dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]],
        "b": ["dtype": "F32", "shape": [4], "data_offsets": [24, 40]],
        "c": ["dtype": "I64", "shape": [2], "data_offsets": [40, 56]],
    ] }

    private static func fileBytes(header: [String: Any], dataSize: Int = 56) throws -> Data {
        let json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        data.append(Data((0..<dataSize).map { UInt8(truncatingIfNeeded: $0) }))
        return data
    }

    private static func open(_ data: Data) throws -> SafeTensorsFile {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("damaged-\(UUID().uuidString).safetensors")
        try data.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try SafeTensorsFile(path: url.path)
    }

    /// Opens `data` and returns the `SafeTensorsError` it was refused with.
    private static func refusal(_ data: Data) -> SafeTensorsError? {
        do {
            _ = try open(data)
            return nil
        } catch let error as SafeTensorsError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    private static func modified(_ change: (inout [String: Any]) -> Void) -> [String: Any] {
        var header = validHeader
        change(&header)
        return header
    }

    @Test func validFileOpens() throws {
        let file = try Self.open(try Self.fileBytes(header: Self.validHeader))
        #expect(file.entries.map(\.name) == ["a", "b", "c"])
        #expect(try file.tensor("a").shape == [3, 2])
        let b = try file.tensor("b").data.assumingMemoryBound(to: UInt8.self)
        #expect(b[0] == 24 && b[15] == 39)
    }

    @Test func truncatedFileIsRefused() throws {
        let model = try Data(contentsOf: URL(fileURLWithPath: try Fixtures.miniLMFolderPath + "/model.safetensors"))
        guard case .tensorOutOfRange = Self.refusal(model.prefix(model.count / 2)) else {
            Issue.record("a file cut in half was not refused as out of range"); return
        }
        guard case .headerLengthOutOfRange = Self.refusal(model.prefix(5000)) else {
            Issue.record("a file cut inside its header was not refused"); return
        }
        guard case .tooSmall(_, 5) = Self.refusal(model.prefix(5)) else {
            Issue.record("a 5-byte file was not refused as too small"); return
        }
    }

    @Test func badHeaderLengthIsRefused() throws {
        var data = try Self.fileBytes(header: Self.validHeader)
        data.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64(1 << 40).littleEndian) { Data($0) })
        guard case .headerLengthOutOfRange(_, 1 << 40, _) = Self.refusal(data) else {
            Issue.record("a header length beyond the file was accepted"); return
        }
        data.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64(0).littleEndian) { Data($0) })
        guard case .headerLengthOutOfRange(_, 0, _) = Self.refusal(data) else {
            Issue.record("a zero header length was accepted"); return
        }
    }

    @Test func badJSONIsRefused() throws {
        var data = try Self.fileBytes(header: Self.validHeader)
        data[8] = UInt8(ascii: "#")
        guard case .headerNotJSON = Self.refusal(data) else { Issue.record("a broken JSON header was accepted"); return }
        let array = Data("[1, 2, 3]".utf8)
        var arrayFile = withUnsafeBytes(of: UInt64(array.count).littleEndian) { Data($0) }
        arrayFile.append(array)
        guard case .headerNotJSON = Self.refusal(arrayFile) else { Issue.record("a JSON array header was accepted"); return }
    }

    @Test func offsetsOutOfRangeAreRefused() throws {
        let beyond = Self.modified { $0["c"] = ["dtype": "I64", "shape": [2], "data_offsets": [40, 56]] }
        guard case .tensorOutOfRange(_, "c", 56, 48) = Self.refusal(try Self.fileBytes(header: beyond, dataSize: 48)) else {
            Issue.record("a tensor past the data section was accepted"); return
        }
        let huge = Self.modified { $0["b"] = ["dtype": "F32", "shape": [4], "data_offsets": [1 << 50, (1 << 50) + 16]] }
        guard case .tensorOutOfRange(_, "b", _, 56) = Self.refusal(try Self.fileBytes(header: huge)) else {
            Issue.record("a tensor at a huge offset was accepted"); return
        }
        let backwards = Self.modified { $0["b"] = ["dtype": "F32", "shape": [4], "data_offsets": [40, 24]] }
        guard case .badTensorEntry(_, "b", _) = Self.refusal(try Self.fileBytes(header: backwards)) else {
            Issue.record("backwards offsets were accepted"); return
        }
    }

    @Test func inconsistentEntriesAreRefused() throws {
        let wrongSize = Self.modified { $0["a"] = ["dtype": "F32", "shape": [2, 4], "data_offsets": [0, 24]] }
        guard case .sizeMismatch(_, "a", 32, 24) = Self.refusal(try Self.fileBytes(header: wrongSize)) else {
            Issue.record("a shape that does not match its byte range was accepted"); return
        }
        let overlap = Self.modified { $0["b"] = ["dtype": "F32", "shape": [4], "data_offsets": [16, 32]] }
        guard case .overlappingTensors(_, "a", "b") = Self.refusal(try Self.fileBytes(header: overlap)) else {
            Issue.record("overlapping tensors were accepted"); return
        }
        let unknown = Self.modified { $0["b"] = ["dtype": "F33", "shape": [4], "data_offsets": [24, 40]] }
        guard case .unknownDType(_, "b", "F33") = Self.refusal(try Self.fileBytes(header: unknown)) else {
            Issue.record("an unknown dtype was accepted"); return
        }
        let noShape = Self.modified { $0["b"] = ["dtype": "F32", "data_offsets": [24, 40]] }
        guard case .badTensorEntry(_, "b", _) = Self.refusal(try Self.fileBytes(header: noShape)) else {
            Issue.record("an entry without a shape was accepted"); return
        }
        let negative = Self.modified { $0["b"] = ["dtype": "F32", "shape": [-4], "data_offsets": [24, 40]] }
        guard case .badTensorEntry(_, "b", _) = Self.refusal(try Self.fileBytes(header: negative)) else {
            Issue.record("a negative dimension was accepted"); return
        }
    }
}
