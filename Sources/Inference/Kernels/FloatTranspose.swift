/// Transposes 16×16 blocks of floats in registers.
///
/// Written as a plain loop, a transpose is turned by the compiler into AVX-512 scatters or
/// gathers, which are microcoded and slow; four rounds of lane interleaving compile to
/// permutes instead (`vpermi2ps` with AVX-512).
enum FloatTranspose {
    private typealias Block = (
        SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>,
        SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>
    )

    /// Writes the transpose of a 16×16 block: `destination[c][r] = source[r][c]`. Source rows
    /// at or past `rows` are read as zeros (and need not be readable).
    @inline(__always)
    static func transpose16(
        _ source: UnsafePointer<Float>, stride sourceStride: Int, rows: Int,
        into destination: UnsafeMutablePointer<Float>, stride destinationStride: Int
    ) {
        let input = UnsafeRawPointer(source)
        func row(_ index: Int) -> SIMD16<Float> {
            index < rows ? input.loadUnaligned(fromByteOffset: index * sourceStride * 4, as: SIMD16<Float>.self) : SIMD16()
        }
        var block: Block = (
            row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7),
            row(8), row(9), row(10), row(11), row(12), row(13), row(14), row(15))
        // Interleaving row i with row i+8, four times, moves element (r, c) to (c, r).
        block = interleave(interleave(interleave(interleave(block))))
        let output = UnsafeMutableRawPointer(destination)
        let step = destinationStride * 4
        output.storeBytes(of: block.0, toByteOffset: 0 * step, as: SIMD16<Float>.self)
        output.storeBytes(of: block.1, toByteOffset: 1 * step, as: SIMD16<Float>.self)
        output.storeBytes(of: block.2, toByteOffset: 2 * step, as: SIMD16<Float>.self)
        output.storeBytes(of: block.3, toByteOffset: 3 * step, as: SIMD16<Float>.self)
        output.storeBytes(of: block.4, toByteOffset: 4 * step, as: SIMD16<Float>.self)
        output.storeBytes(of: block.5, toByteOffset: 5 * step, as: SIMD16<Float>.self)
        output.storeBytes(of: block.6, toByteOffset: 6 * step, as: SIMD16<Float>.self)
        output.storeBytes(of: block.7, toByteOffset: 7 * step, as: SIMD16<Float>.self)
        output.storeBytes(of: block.8, toByteOffset: 8 * step, as: SIMD16<Float>.self)
        output.storeBytes(of: block.9, toByteOffset: 9 * step, as: SIMD16<Float>.self)
        output.storeBytes(of: block.10, toByteOffset: 10 * step, as: SIMD16<Float>.self)
        output.storeBytes(of: block.11, toByteOffset: 11 * step, as: SIMD16<Float>.self)
        output.storeBytes(of: block.12, toByteOffset: 12 * step, as: SIMD16<Float>.self)
        output.storeBytes(of: block.13, toByteOffset: 13 * step, as: SIMD16<Float>.self)
        output.storeBytes(of: block.14, toByteOffset: 14 * step, as: SIMD16<Float>.self)
        output.storeBytes(of: block.15, toByteOffset: 15 * step, as: SIMD16<Float>.self)
    }

    /// Rows 2i and 2i+1 become the interleaved low and high halves of rows i and i+8.
    @inline(__always)
    private static func interleave(_ m: Block) -> Block {
        (lowLanes(m.0, m.8), highLanes(m.0, m.8), lowLanes(m.1, m.9), highLanes(m.1, m.9),
         lowLanes(m.2, m.10), highLanes(m.2, m.10), lowLanes(m.3, m.11), highLanes(m.3, m.11),
         lowLanes(m.4, m.12), highLanes(m.4, m.12), lowLanes(m.5, m.13), highLanes(m.5, m.13),
         lowLanes(m.6, m.14), highLanes(m.6, m.14), lowLanes(m.7, m.15), highLanes(m.7, m.15))
    }

    /// `a0 b0 a1 b1 … a7 b7`.
    @inline(__always)
    private static func lowLanes(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        var result = a
        for lane in 0..<8 {
            result[2 * lane] = a[lane]
            result[2 * lane + 1] = b[lane]
        }
        return result
    }

    /// `a8 b8 a9 b9 … a15 b15`.
    @inline(__always)
    private static func highLanes(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        var result = a
        for lane in 0..<8 {
            result[2 * lane] = a[8 + lane]
            result[2 * lane + 1] = b[8 + lane]
        }
        return result
    }
}
