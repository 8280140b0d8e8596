import Foundation
import Testing
@testable import Inference

/// The GGUF reader against llama.cpp's gguf-py reading of the same file.
@Suite struct GGUFFileTests {
    @Test func metadataMatchesReference() throws {
        let file = try GGUFFile(path: Fixtures.smolModelPath)
        let reference = try Fixtures.json(Fixtures.smolReference.appendingPathComponent("gguf_metadata.json"))
        #expect(Int(file.version) == reference["gguf_version"] as? Int)
        #expect(file.alignment == reference["alignment"] as? Int)
        #expect(file.dataOffset == reference["data_section_file_offset"] as? Int)
        #expect(file.fileSize == reference["file_size"] as? Int)

        let kv = try #require(reference["kv"] as? [String: [String: Any]])
        let keys = kv.keys.filter { !$0.hasPrefix("GGUF.") }
        #expect(Set(file.metadata.keys) == Set(keys))
        for key in keys {
            let entry = kv[key]!
            let value = try #require(file.metadata[key], "missing \(key)")
            let types = entry["type"] as! [String]
            if types.first == "ARRAY" {
                let array = try #require(value.array)
                #expect(array.count == entry["length"] as? Int, "\(key)")
                let expected = (entry["first_20"] ?? entry["value"]) as! [Any]
                for (index, element) in expected.enumerated() {
                    #expect(Self.matches(array[index], element), "\(key)[\(index)]")
                }
            } else {
                #expect(Self.matches(value, entry["value"]!), "\(key)")
            }
        }
    }

    @Test func tensorTableMatchesReference() throws {
        let file = try GGUFFile(path: Fixtures.smolModelPath)
        let reference = try Fixtures.json(Fixtures.smolReference.appendingPathComponent("gguf_metadata.json"))
        let tensors = try #require(reference["tensors"] as? [[String: Any]])
        #expect(file.tensors.count == tensors.count)
        for (tensor, expected) in zip(file.tensors, tensors) {
            #expect(tensor.name == expected["name"] as? String)
            #expect(tensor.type.description == expected["type"] as? String)
            #expect(tensor.shape == expected["shape_ne"] as? [Int])
            #expect(tensor.byteCount == expected["n_bytes"] as? Int)
            #expect(try file.tensor(tensor.name).byteCount == tensor.byteCount)
        }
        let offsets = tensors.map { $0["file_offset"] as! Int }
        let base = file.tensors[0].data
        for (tensor, offset) in zip(file.tensors, offsets) {
            #expect(tensor.data - base == offset - offsets[0], "\(tensor.name)")
        }
    }

    private static func matches(_ value: GGUFValue, _ expected: Any) -> Bool {
        switch value {
        case .string(let text): return text == expected as? String
        case .bool(let flag): return flag == expected as? Bool
        case .float32, .float64:
            guard let number = expected as? Double else { return false }
            return abs(value.double! - number) <= abs(number) * 1e-7
        default: return value.integer == expected as? Int
        }
    }
}

/// Damaged files are refused with an error that names the problem, never a crash.
@Suite struct GGUFDamageTests {
    private func withCopy(_ mutate: (inout Data) -> Void, check: (any Error) -> Bool) throws {
        var data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.smolModelPath))
        mutate(&data)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("damaged-\(UUID().uuidString).gguf")
        try data.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try GGUFFile(path: url.path)
            Issue.record("damaged file was accepted")
        } catch {
            #expect(check(error), "unexpected error: \(error)")
            #expect(!String(describing: error).isEmpty)
        }
    }

    @Test func badMagicIsNamed() throws {
        try withCopy({ $0[0] = UInt8(ascii: "X") }) {
            if case ModelFileError.badMagic = $0 { return true } else { return false }
        }
    }

    @Test func unsupportedVersionIsNamed() throws {
        try withCopy({ $0[4] = 9 }) {
            if case ModelFileError.unsupportedVersion(_, 9) = $0 { return true } else { return false }
        }
    }

    @Test(arguments: [10, 1000, 1_000_000, 1_785_000])
    func truncatedHeaderIsNamed(length: Int) throws {
        try withCopy({ $0 = $0.prefix(length) }) {
            if case ModelFileError.truncated = $0 { return true } else { return false }
        }
    }

    @Test func truncatedDataIsNamed() throws {
        try withCopy({ $0 = $0.prefix($0.count - 1000) }) {
            if case ModelFileError.tensorBeyondFile = $0 { return true } else { return false }
        }
    }

    @Test func unknownTensorTypeIsNamed() throws {
        // The first tensor info follows the metadata; find its type field by searching for its name.
        try withCopy({ data in
            let name = Array("token_embd.weight".utf8)
            let start = data.firstRange(of: name)!.upperBound
            // n_dims (4) + 2 dims (16), then the type.
            let typeOffset = start + 4 + 16
            data[typeOffset] = 99
        }) {
            if case ModelFileError.unknownTensorType(_, "token_embd.weight", 99) = $0 { return true } else { return false }
        }
    }

    @Test func corruptedLengthIsRefused() throws {
        // The first key's length (offset 24) made enormous.
        try withCopy({ data in for i in 24..<32 { data[i] = 0xFF } }) {
            if case ModelFileError.corrupted = $0 { return true }
            if case ModelFileError.truncated = $0 { return true }
            return false
        }
    }

    @Test func missingTensorIsNamed() throws {
        let file = try GGUFFile(path: Fixtures.smolModelPath)
        #expect(throws: ModelFileError.missingTensor(name: "output.weight")) { try file.tensor("output.weight") }
    }
}
