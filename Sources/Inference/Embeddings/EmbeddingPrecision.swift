/// The arithmetic of a sentence encoder's linear layers (attention, softmax, GELU and
/// LayerNorm stay float32 in both).
public enum EmbeddingPrecision: String, CaseIterable, Sendable, CustomStringConvertible {
    /// float32 throughout: sentence-transformers' own output to about 1e-7.
    case float32
    /// 10-bit integer weights (per row) and 12-bit inputs (per token) in 16-bit lanes, exact
    /// int32 sums (`Int16GEMM`): worst cosine 0.9998 to float32 on the reference sentences, with
    /// twice the multiply-adds per instruction of float32 (README, "Ingestion speed").
    case int16

    /// What servers and tools use unless told otherwise.
    public static let standard = EmbeddingPrecision.int16

    public var description: String { rawValue }
}
