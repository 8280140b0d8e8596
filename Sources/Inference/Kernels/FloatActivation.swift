/// Plain float32 activations, for float weight formats (F32, F16, BF16).
enum FloatActivation: ActivationFormat {
    static let blockElements = 1
    static let blockBytes = 4

    static func quantize(_ input: UnsafePointer<Float>, count: Int, into output: UnsafeMutableRawPointer) {
        output.copyMemory(from: input, byteCount: count * 4)
    }
}
