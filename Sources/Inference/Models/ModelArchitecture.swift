/// What distinguishes one decoder family from another, as switches on one shared forward pass.
public struct ModelArchitecture: Sendable, Equatable {
    public enum RopeStyle: Sendable { case adjacentPairs, halves }
    public enum Activation: Sendable { case silu, geluTanh }

    public let name: String
    /// How RoPE pairs dimensions: llama.cpp's NORM (GGUF llama weights) or NEOX.
    public let ropeStyle: RopeStyle
    /// The gate activation of the gated feed-forward (SwiGLU or GeGLU).
    public let activation: Activation
    /// RMSNorm on each head's query and key (Gemma 3).
    public let normalizesQueryAndKey: Bool
    /// Norms after attention and feed-forward, before the residual add (Gemma 2/3).
    public let hasPostNorms: Bool
    /// Multiply token embeddings by √d (Gemma).
    public let scalesEmbeddings: Bool

    public static let llama = ModelArchitecture(
        name: "llama", ropeStyle: .adjacentPairs, activation: .silu,
        normalizesQueryAndKey: false, hasPostNorms: false, scalesEmbeddings: false)

    public static let gemma3 = ModelArchitecture(
        name: "gemma3", ropeStyle: .halves, activation: .geluTanh,
        normalizesQueryAndKey: true, hasPostNorms: true, scalesEmbeddings: true)

    /// The architecture a GGUF's `general.architecture` names.
    public static func named(_ name: String) throws -> ModelArchitecture {
        switch name {
        case "llama": return .llama
        case "gemma3": return .gemma3
        default: throw ModelFileError.unsupportedArchitecture(name)
        }
    }
}
