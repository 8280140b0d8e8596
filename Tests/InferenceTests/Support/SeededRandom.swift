/// A linear congruential generator with a fixed seed, so a failing random test can be reproduced.
struct SeededRandom {
    var state: UInt64
    /// A value in [-1, 1].
    mutating func next() -> Float {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(Int64(bitPattern: state >> 11) % 2_000_001 - 1_000_000) / 1_000_000
    }
    mutating func values(_ count: Int) -> [Float] { (0..<count).map { _ in next() } }
}
