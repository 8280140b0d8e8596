/// The inner loop of vector search: dot products of unit vectors (their cosine similarity).
enum VectorKernel {
    /// `a · b` over `count` floats, sixteen lanes at a time with two accumulators.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var first = SIMD8<Float>()
        var second = SIMD8<Float>()
        var index = 0
        while index + 16 <= count {
            let a0 = UnsafeRawPointer(a + index).loadUnaligned(as: SIMD8<Float>.self)
            let b0 = UnsafeRawPointer(b + index).loadUnaligned(as: SIMD8<Float>.self)
            let a1 = UnsafeRawPointer(a + index + 8).loadUnaligned(as: SIMD8<Float>.self)
            let b1 = UnsafeRawPointer(b + index + 8).loadUnaligned(as: SIMD8<Float>.self)
            // Multiply then add: `addingProduct` promises a fused operation, which the
            // Retrieval target (built for baseline x86-64, without FMA) would emulate lane by
            // lane in software — measured 10× slower.
            first += a0 * b0
            second += a1 * b1
            index += 16
        }
        var sum = (first + second).sum()
        while index < count {
            sum += a[index] * b[index]
            index += 1
        }
        return sum
    }
}
