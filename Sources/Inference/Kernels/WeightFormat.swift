/// A stored weight format and the kernels that compute with it.
///
/// Activations are first quantized into `Activation` blocks (the format ggml pairs with this
/// weight type), then `dot` multiplies one stored row by one quantized activation row.
/// `referenceDot` is the plain scalar definition the fast kernel is tested against.
protocol WeightFormat {
    associatedtype Activation: ActivationFormat
    static var type: TensorType { get }

    /// Dot product of one weight row (`blocks` blocks) with one quantized activation row.
    static func dot(_ row: UnsafeRawPointer, _ activation: UnsafeRawPointer, blocks: Int) -> Float

    /// The same dot product written for clarity, not speed.
    static func referenceDot(_ row: UnsafeRawPointer, _ activation: UnsafeRawPointer, blocks: Int) -> Float

    /// Expands `blocks` blocks into `blocks * type.blockElements` floats.
    static func dequantize(_ row: UnsafeRawPointer, blocks: Int, into output: UnsafeMutablePointer<Float>)
}

/// The format activations take on their way into a dot product.
protocol ActivationFormat {
    /// Elements per block; a row's length must be a multiple of it.
    static var blockElements: Int { get }
    static var blockBytes: Int { get }

    /// Quantizes `count` floats into `count / blockElements` blocks.
    static func quantize(_ input: UnsafePointer<Float>, count: Int, into output: UnsafeMutableRawPointer)
}

extension ActivationFormat {
    static func byteCount(elements: Int) -> Int { elements / blockElements * blockBytes }
}
