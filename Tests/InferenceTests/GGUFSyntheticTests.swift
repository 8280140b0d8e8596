import Foundation
import Testing
@testable import Inference

/// GGUF files written here byte by byte: every metadata value type, arrays, both versions,
/// custom alignment, and a tensor — read back exactly.
@Suite struct GGUFSyntheticTests {
    /// A minimal GGUF writer for tests (little-endian, as the format specifies).
    struct Writer {
        var data = Data()
        mutating func u8(_ v: UInt8) { data.append(v) }
        mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        mutating func string(_ s: String) { u64(UInt64(s.utf8.count)); data.append(contentsOf: Array(s.utf8)) }
        mutating func key(_ name: String, type: UInt32) { string(name); u32(type) }
    }

    static func file(version: UInt32, alignment: UInt32) -> Data {
        var w = Writer()
        w.u32(0x4655_4747); w.u32(version); w.u64(1); w.u64(15)
        w.key("u8", type: 0); w.u8(200)
        w.key("i8", type: 1); w.u8(UInt8(bitPattern: -5))
        w.key("u16", type: 2); w.data.append(contentsOf: [0x34, 0x12])
        w.key("i16", type: 3); w.data.append(contentsOf: [0xFE, 0xFF])
        w.key("u32", type: 4); w.u32(4_000_000_000)
        w.key("i32", type: 5); w.u32(UInt32(bitPattern: -7))
        w.key("f32", type: 6); w.u32(Float(1.5).bitPattern)
        w.key("bool", type: 7); w.u8(1)
        w.key("string", type: 8); w.string("héllo ✓")
        w.key("u64", type: 10); w.u64(1 << 40)
        w.key("i64", type: 11); w.u64(UInt64(bitPattern: -9))
        w.key("f64", type: 12); w.u64(Double(2.25).bitPattern)
        w.key("strings", type: 9); w.u32(8); w.u64(2); w.string("a"); w.string("b")
        w.key("nested", type: 9); w.u32(9); w.u64(1); w.u32(4); w.u64(2); w.u32(1); w.u32(2)
        w.key("general.alignment", type: 4); w.u32(alignment)
        // One F32 tensor of shape [4, 2] at offset 0.
        w.string("weights"); w.u32(2); w.u64(4); w.u64(2); w.u32(0); w.u64(0)
        while w.data.count % Int(alignment) != 0 { w.u8(0) }
        for i in 0..<8 { w.u32(Float(i).bitPattern) }
        return w.data
    }

    @Test(arguments: [(UInt32(2), UInt32(32)), (3, 32), (3, 64)])
    func everyValueTypeReadsBack(version: UInt32, alignment: UInt32) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("synthetic-\(UUID().uuidString).gguf")
        try Self.file(version: version, alignment: alignment).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try GGUFFile(path: url.path)
        let m = file.metadata
        #expect(file.version == version)
        #expect(file.alignment == Int(alignment))
        #expect(m["u8"] == .uint8(200))
        #expect(m["i8"] == .int8(-5))
        #expect(m["u16"] == .uint16(0x1234))
        #expect(m["i16"] == .int16(-2))
        #expect(m["u32"] == .uint32(4_000_000_000))
        #expect(m["i32"] == .int32(-7))
        #expect(m["f32"] == .float32(1.5))
        #expect(m["bool"] == .bool(true))
        #expect(m["string"] == .string("héllo ✓"))
        #expect(m["u64"] == .uint64(1 << 40))
        #expect(m["i64"] == .int64(-9))
        #expect(m["f64"] == .float64(2.25))
        #expect(m.strings("strings") == ["a", "b"])
        #expect(m["nested"] == .array([.array([.uint32(1), .uint32(2)])]))
        #expect(m.keys.first == "u8")
        let tensor = try file.tensor("weights")
        #expect(tensor.shape == [4, 2])
        #expect(tensor.rows == 2 && tensor.columns == 4)
        #expect(tensor.data.load(fromByteOffset: 7 * 4, as: Float.self) == 7)
        #expect((tensor.data - UnsafeRawPointer(file.tensors[0].data)) == 0)
        #expect(file.dataOffset % Int(alignment) == 0)
    }

    @Test func invalidBoolIsRefused() throws {
        var data = Self.file(version: 3, alignment: 32)
        // The bool's value byte follows its key "bool" and type code 7.
        let marker = Data("bool".utf8) + Data([7, 0, 0, 0])
        let at = data.firstRange(of: marker)!.upperBound
        data[at] = 2
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bad-bool-\(UUID().uuidString).gguf")
        try data.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: ModelFileError.self) { try GGUFFile(path: url.path) }
    }
}
