import Foundation

/// Vectors as stored: Float32, little-endian, one after the other.
enum EmbeddingBlob {
    static func encode(_ vector: [Float]) -> Data {
        var data = Data(count: vector.count * MemoryLayout<UInt32>.size)
        data.withUnsafeMutableBytes { bytes in
            for (index, value) in vector.enumerated() {
                bytes.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: index * 4, as: UInt32.self)
            }
        }
        return data
    }

    /// The floats of `data`, or nil when its length is not a whole number of floats.
    static func decode(_ data: Data) -> [Float]? {
        guard data.count % 4 == 0 else { return nil }
        return data.withUnsafeBytes { bytes in
            (0..<data.count / 4).map { index in
                Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
            }
        }
    }
}
