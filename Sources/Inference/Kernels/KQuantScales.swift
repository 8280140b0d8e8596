/// The 6-bit scales and minimums that Q4_K and Q5_K pack into 12 bytes for their eight
/// sub-blocks of 32 (ggml `get_scale_min_k4`): bytes 0–3 hold scales 0–3 and bytes 4–7 minimums
/// 0–3 in their low six bits; sub-blocks 4–7 take their low four bits from the nibbles of bytes
/// 8–11 and their top two bits from the spare top bits of bytes 0–7.
enum KQuantScales {
    /// Scale and minimum of sub-block `j` (0..<8) from the 12 bytes at `packed`.
    @inline(__always)
    static func scaleAndMin(_ packed: UnsafeRawPointer, _ j: Int) -> (scale: Int32, min: Int32) {
        let q = packed.assumingMemoryBound(to: UInt8.self)
        if j < 4 {
            return (Int32(q[j] & 63), Int32(q[j + 4] & 63))
        }
        let scale = q[j + 4] & 0x0F | (q[j - 4] >> 6) << 4
        let minimum = q[j + 4] >> 4 | (q[j] >> 6) << 4
        return (Int32(scale), Int32(minimum))
    }
}
