/// Conversions between Float and the 16-bit float formats stored in model files.
/// With F16C (any x86-64-v3 CPU) the half conversions compile to single instructions.
@inline(__always) @usableFromInline
func floatFromHalf(_ bits: UInt16) -> Float {
    Float(Float16(bitPattern: bits))
}

@inline(__always) @usableFromInline
func halfFromFloat(_ value: Float) -> UInt16 {
    Float16(value).bitPattern
}

/// bfloat16 is the top half of a float32.
@inline(__always) @usableFromInline
func floatFromBFloat(_ bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
}

/// Round-to-nearest-even conversion to bfloat16 (NaN stays NaN), as ggml does.
@inline(__always) @usableFromInline
func bfloatFromFloat(_ value: Float) -> UInt16 {
    let bits = value.bitPattern
    if value.isNaN { return UInt16(truncatingIfNeeded: (bits >> 16) | 64) }
    return UInt16(truncatingIfNeeded: (bits &+ (0x7FFF &+ ((bits >> 16) & 1))) >> 16)
}

/// Reads a little-endian UInt16 at `offset` bytes from `pointer`, at any alignment.
@inline(__always) @usableFromInline
func loadHalf(_ pointer: UnsafeRawPointer, _ offset: Int = 0) -> Float {
    floatFromHalf(pointer.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
}
