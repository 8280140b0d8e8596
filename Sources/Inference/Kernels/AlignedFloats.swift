/// Float buffers aligned to a cache line, so that 64-byte vector loads and stores of rows whose
/// length is a multiple of 16 never straddle two lines.
enum AlignedFloats {
    static let alignment = 64

    /// Uninitialized room for `count` floats; release it with `deallocate()`.
    static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * MemoryLayout<Float>.stride, alignment: alignment)
            .bindMemory(to: Float.self, capacity: max(1, count))
    }
}
