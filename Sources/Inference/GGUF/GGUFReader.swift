/// A bounds-checked cursor over the header of a GGUF file. Every read that would pass the
/// end of the file throws `ModelFileError.truncated` instead of crashing.
struct GGUFReader {
    let bytes: UnsafeRawBufferPointer
    let path: String
    private(set) var offset = 0

    /// Longest string or array the reader accepts: a guard against corrupted lengths.
    private static let maximumCount = 1 << 32

    init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    private mutating func take(_ count: Int) throws -> UnsafeRawPointer {
        guard count >= 0, count <= bytes.count - offset else {
            throw ModelFileError.truncated(path: path, needed: offset + count, available: bytes.count)
        }
        defer { offset += count }
        return bytes.baseAddress! + offset
    }

    mutating func read<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        T(littleEndian: try take(MemoryLayout<T>.size).loadUnaligned(as: T.self))
    }

    mutating func readCount() throws -> Int {
        let count = try read(UInt64.self)
        guard count <= UInt64(Self.maximumCount) else {
            throw ModelFileError.corrupted(path: path, reason: "count \(count) at offset \(offset - 8) is implausible")
        }
        return Int(count)
    }

    mutating func readString() throws -> String {
        let length = try readCount()
        let start = try take(length)
        return String(decoding: UnsafeRawBufferPointer(start: start, count: length), as: UTF8.self)
    }

    mutating func readValue(key: String) throws -> GGUFValue {
        let code = try read(UInt32.self)
        guard let type = GGUFValue.TypeCode(rawValue: code) else {
            throw ModelFileError.unknownValueType(path: path, key: key, type: code)
        }
        return try readValue(of: type, key: key)
    }

    private mutating func readValue(of type: GGUFValue.TypeCode, key: String) throws -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try read(UInt8.self))
        case .int8: return .int8(try read(Int8.self))
        case .uint16: return .uint16(try read(UInt16.self))
        case .int16: return .int16(try read(Int16.self))
        case .uint32: return .uint32(try read(UInt32.self))
        case .int32: return .int32(try read(Int32.self))
        case .uint64: return .uint64(try read(UInt64.self))
        case .int64: return .int64(try read(Int64.self))
        case .float32: return .float32(Float(bitPattern: try read(UInt32.self)))
        case .float64: return .float64(Double(bitPattern: try read(UInt64.self)))
        case .bool:
            let byte = try read(UInt8.self)
            guard byte <= 1 else {
                throw ModelFileError.corrupted(path: path, reason: "key '\(key)' has bool value \(byte)")
            }
            return .bool(byte == 1)
        case .string: return .string(try readString())
        case .array:
            let elementCode = try read(UInt32.self)
            guard let elementType = GGUFValue.TypeCode(rawValue: elementCode) else {
                throw ModelFileError.unknownValueType(path: path, key: key, type: elementCode)
            }
            let count = try readCount()
            // Each element takes at least one byte: a count beyond the file is corruption.
            guard count <= bytes.count - offset else {
                throw ModelFileError.truncated(path: path, needed: offset + count, available: bytes.count)
            }
            var elements: [GGUFValue] = []
            elements.reserveCapacity(count)
            for _ in 0..<count {
                elements.append(try readValue(of: elementType, key: key))
            }
            return .array(elements)
        }
    }
}
