/// Layer normalization of rows in place: `x = (x − mean) / √(variance + ε) · weight + bias`,
/// with the mean and the (biased) variance of each row, computed in two passes.
enum LayerNorm {
    /// Normalizes one row of `width` floats, first adding `residual` to it if given (a
    /// transformer's `LN(f(x) + x)`); `width` must be a multiple of 16.
    @inline(__always)
    static func normalize(
        _ row: UnsafeMutablePointer<Float>, adding residual: UnsafePointer<Float>? = nil, width: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, epsilon: Float
    ) {
        let raw = UnsafeMutableRawPointer(row)
        let vectorBytes = MemoryLayout<SIMD16<Float>>.size
        let count = width / 16
        var sum = SIMD16<Float>()
        if let residual {
            let added = UnsafeRawPointer(residual)
            for index in 0..<count {
                let offset = index * vectorBytes
                let value = raw.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
                    + added.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
                raw.storeBytes(of: value, toByteOffset: offset, as: SIMD16<Float>.self)
                sum += value
            }
        } else {
            for index in 0..<count { sum += raw.loadUnaligned(fromByteOffset: index * vectorBytes, as: SIMD16<Float>.self) }
        }
        let mean = sum.sum() / Float(width)
        var squares = SIMD16<Float>()
        for index in 0..<count {
            let centered = raw.loadUnaligned(fromByteOffset: index * vectorBytes, as: SIMD16<Float>.self) - mean
            squares = squares.addingProduct(centered, centered)
        }
        let scale = 1 / (squares.sum() / Float(width) + epsilon).squareRoot()
        let gamma = UnsafeRawPointer(weight)
        let beta = UnsafeRawPointer(bias)
        for index in 0..<count {
            let offset = index * vectorBytes
            let centered = raw.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self) - mean
            let normalized = centered * scale
            let result = (normalized * gamma.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self))
                + beta.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
            raw.storeBytes(of: result, toByteOffset: offset, as: SIMD16<Float>.self)
        }
    }
}
