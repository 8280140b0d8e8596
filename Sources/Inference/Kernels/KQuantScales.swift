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

    /// All eight scales and minimums at once, without branches: byte `j` of `scales` is the
    /// scale of sub-block `j`, byte `j` of `mins` its minimum (ggml's `utmp` shuffle).
    @inline(__always)
    static func unpack(_ packed: UnsafeRawPointer) -> (scales: UInt64, mins: UInt64) {
        let low6: UInt32 = 0x3F3F_3F3F
        let low4: UInt32 = 0x0F0F_0F0F
        let low2: UInt32 = 0x0303_0303
        let first = packed.loadUnaligned(as: UInt32.self)                     // scales 0–3
        let second = packed.loadUnaligned(fromByteOffset: 4, as: UInt32.self) // minimums 0–3
        let third = packed.loadUnaligned(fromByteOffset: 8, as: UInt32.self)  // low bits of 4–7
        let scalesHigh = third & low4 | (first >> 6 & low2) << 4
        let minsHigh = third >> 4 & low4 | (second >> 6 & low2) << 4
        return (UInt64(first & low6) | UInt64(scalesHigh) << 32, UInt64(second & low6) | UInt64(minsHigh) << 32)
    }
}
