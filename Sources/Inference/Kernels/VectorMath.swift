/// Float32 `exp`, `erf` and GELU on sixteen lanes at once, for softmax and the BERT feed-forward.
///
/// A 32-passage batch of 256 tokens needs about 150 million exponentials and 75 million `erf`s;
/// scalar libm calls would cost more than the attention itself. Accuracy, tested against
/// Foundation's double-precision functions: `exp` within 2 ulp, `erf` within 5e-7 absolute,
/// far below the float32 noise of the encoder.
///
/// `exp`, `erf` and `gelu` are `@inline(always)`: with `@inline(__always)`, which is only a
/// strong hint, the optimizer declined to inline `exp` and called it per vector, through
/// memory, from softmax and the GELU epilogue.
enum VectorMath {
    /// e^x, lane by lane. Inputs are clamped to [-87.3, 88], where float32 e^x stays normal.
    @inline(always)
    static func exp(_ input: SIMD16<Float>) -> SIMD16<Float> {
        let x = minimum(maximum(input, SIMD16(repeating: -87.3)), SIMD16(repeating: 88))
        // x = n·ln2 + r with |r| ≤ ln2/2; ln2 is split in two so that n·ln2High is exact.
        let n = (x * 1.442_695_04).rounded(.toNearestOrEven)
        var r = x.addingProduct(n, SIMD16(repeating: -0.693_359_375))
        r = r.addingProduct(n, SIMD16(repeating: 2.121_944_4e-4))
        // e^r = 1 + r + r²·P(r), with Cephes' expf coefficients.
        var p = SIMD16<Float>(repeating: 1.987_569_15e-4)
        p = horner(p, r, 1.398_199_95e-3)
        p = horner(p, r, 8.333_451_907e-3)
        p = horner(p, r, 4.166_579_589e-2)
        p = horner(p, r, 1.666_666_546e-1)
        p = horner(p, r, 5.000_000_12e-1)
        return (r + 1).addingProduct(r * r, p) * powerOfTwo(n)
    }

    /// The error function, lane by lane: `x·P(x²)/Q(x²)` on [-4, 4], a least-squares rational
    /// fit (degrees 6 and 4 in x²) whose own error is below 1e-7; beyond ±4, erf is ±1 in
    /// float32. No exponential and one division, so GELU costs under 20 vector operations.
    @inline(always)
    static func erf(_ input: SIMD16<Float>) -> SIMD16<Float> {
        let x = minimum(maximum(input, SIMD16(repeating: -4)), SIMD16(repeating: 4))
        let u = x * x
        var p = SIMD16<Float>(repeating: 1.915_694_748_392e-8)
        p = horner(p, u, -1.964_870_192_895e-6)
        p = horner(p, u, 1.511_838_469_074e-4)
        p = horner(p, u, 4.132_999_876_921e-3)
        p = horner(p, u, 5.194_951_056_562e-2)
        p = horner(p, u, 2.103_381_665_322e-1)
        p = horner(p, u, 1.128_378_878_068)
        var q = SIMD16<Float>(repeating: 1.057_418_681_384e-3)
        q = horner(q, u, 1.523_608_414_590e-2)
        q = horner(q, u, 1.193_008_481_931e-1)
        q = horner(q, u, 5.197_367_254_811e-1)
        q = horner(q, u, 1)
        // The fit may overshoot ±1 by an ulp near ±4.
        return minimum(maximum(x * p / q, SIMD16(repeating: -1)), SIMD16(repeating: 1))
    }

    /// GELU with the exact erf form BERT uses: `x · ½ · (1 + erf(x/√2))`.
    @inline(always)
    static func gelu(_ x: SIMD16<Float>) -> SIMD16<Float> {
        x * 0.5 * (1 + erf(x * 0.707_106_781_186_547_5))
    }

    /// The larger of each pair of lanes. (The standard library's `pointwiseMax`, `clamped` and
    /// mask-based `replacing` run lane by lane through memory; a plain lane loop with a
    /// ternary compiles to one `vmaxps`.)
    @inline(__always)
    static func maximum(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        var result = a
        for lane in 0..<16 { result[lane] = a[lane] > b[lane] ? a[lane] : b[lane] }
        return result
    }

    /// The smaller of each pair of lanes, as one `vminps`.
    @inline(__always)
    static func minimum(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        var result = a
        for lane in 0..<16 { result[lane] = a[lane] < b[lane] ? a[lane] : b[lane] }
        return result
    }

    /// `value`'s first `count` lanes, the rest set to `filler` (a compare and a blend).
    @inline(__always)
    static func firstLanes(_ value: SIMD16<Float>, count: Int, filler: Float) -> SIMD16<Float> {
        var result = value
        for lane in 0..<16 { result[lane] = lane < count ? value[lane] : filler }
        return result
    }

    /// The largest lane.
    @inline(__always)
    static func largestLane(_ value: SIMD16<Float>) -> Float {
        var largest = value[0]
        for lane in 1..<16 { largest = value[lane] > largest ? value[lane] : largest }
        return largest
    }

    /// `p·x + c`, one step of Horner's rule as a fused multiply-add.
    @inline(__always)
    private static func horner(_ p: SIMD16<Float>, _ x: SIMD16<Float>, _ c: Float) -> SIMD16<Float> {
        SIMD16(repeating: c).addingProduct(p, x)
    }

    /// 2^n for whole-valued `n` in [-126, 127], built from the exponent bits.
    @inline(__always)
    private static func powerOfTwo(_ n: SIMD16<Float>) -> SIMD16<Float> {
        // Adding 1.5·2^23 puts n, as an integer, in the low mantissa bits.
        let shifted = unsafeBitCast(n + 12_582_912, to: SIMD16<Int32>.self) &- 0x4B40_0000
        return unsafeBitCast((shifted &+ 127) &<< 23, to: SIMD16<Float>.self)
    }
}
