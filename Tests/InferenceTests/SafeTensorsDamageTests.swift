import Foundation
import Testing
@testable import Inference

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
