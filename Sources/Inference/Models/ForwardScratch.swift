/// Preallocated activation buffers for one forward pass of up to `tokens` tokens,
/// so no step allocates. Shapes in comments are `[token][feature]`.
final class ForwardScratch {
    let tokens: Int
    let x: UnsafeMutablePointer<Float>          // [tokens][d] residual stream
    let normed: UnsafeMutablePointer<Float>     // [tokens][max(d, q)] norm outputs, attention context
    let query: UnsafeMutablePointer<Float>      // [tokens][heads · headDim]
    let key: UnsafeMutablePointer<Float>        // [tokens][kvDim]
    let value: UnsafeMutablePointer<Float>      // [tokens][kvDim]
    let branch: UnsafeMutablePointer<Float>     // [tokens][d] attention / feed-forward output
    let gate: UnsafeMutablePointer<Float>       // [tokens][ff]
    let up: UnsafeMutablePointer<Float>         // [tokens][ff]
    let quantized: UnsafeMutableRawPointer      // activations quantized for a matmul
    let quantizedHidden: UnsafeMutablePointer<UInt8> // [tokens][ff] quantized for `down` (interleaved)
    let ropeGlobal: UnsafeMutablePointer<Float> // [tokens][ropeDims / 2][cos, sin]
    let ropeLocal: UnsafeMutablePointer<Float>  // [tokens][ropeDims / 2][cos, sin]
    private var allocations: [UnsafeMutableRawPointer] = []

    init(tokens: Int, hyperParameters hp: HyperParameters) {
        self.tokens = tokens
        var allocations: [UnsafeMutableRawPointer] = []
        func floats(_ count: Int) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: count)
            pointer.initialize(repeating: 0, count: count)
            allocations.append(UnsafeMutableRawPointer(pointer))
            return pointer
        }
        let widest = max(hp.embeddingLength, hp.queryDimension, hp.headCount * hp.valueHeadDimension)
        x = floats(tokens * hp.embeddingLength)
        normed = floats(tokens * widest)
        query = floats(tokens * hp.queryDimension)
        key = floats(tokens * hp.kvDimension)
        value = floats(tokens * hp.kvHeadCount * hp.valueHeadDimension)
        branch = floats(tokens * hp.embeddingLength)
        gate = floats(tokens * hp.feedForwardLength)
        up = floats(tokens * hp.feedForwardLength)
        quantized = UnsafeMutableRawPointer(floats(tokens * max(widest, hp.feedForwardLength)))
        // 48 bytes per 32 elements (interleaved activations), which 4-byte floats more than hold.
        quantizedHidden = UnsafeMutableRawPointer(floats(tokens * hp.feedForwardLength))
            .assumingMemoryBound(to: UInt8.self)
        ropeGlobal = floats(tokens * hp.ropeDimensions)
        ropeLocal = floats(tokens * hp.ropeDimensions)
        self.allocations = allocations
    }

    deinit {
        for pointer in allocations { pointer.deallocate() }
    }
}
